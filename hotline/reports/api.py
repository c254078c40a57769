from ninja import Router

from hotline.reports.api_board import router as board_router

router = Router(tags=["reports"])
router.add_router("/", board_router)
router.add_router("/", "hotline.reports.api_reports.router")
