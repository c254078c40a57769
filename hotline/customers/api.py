from datetime import date, datetime
from decimal import Decimal

from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from hotline.core.errors import NotFoundError
from hotline.customers import selectors, services
from hotline.customers.imports.jobs import import_job_create
from hotline.customers.models import ImportJob, ImportKind
from hotline.customers.search import search_accounts
from hotline.org.roles import Perm, require_perm

router = Router(tags=["customers"])


class SearchIn(Schema):
    q: str = Field(..., min_length=1, max_length=100, description="Account number, phone, name, initials or address")
    limit: int = Field(20, ge=1, le=100)


class SearchHitOut(Schema):
    account_no: str
    holder_name: str
    phone: str = Field(description="First phone, masked (138****1234)")
    address: str
    community: str | None
    district: str
    status: str
    match: str = Field(description="account_no | phone | name | initials | address")
    score: int


class SearchOut(Schema):
    query: str
    count: int
    results: list[SearchHitOut]


@router.get("/accounts/search", response=SearchOut, summary="Search accounts")
def account_search(request, params: Query[SearchIn]):
    hits = search_accounts(actor=request.user, query=params.q, limit=params.limit)
    return {
        "query": params.q,
        "count": len(hits),
        "results": [
            {
                "account_no": h.account.account_no,
                "holder_name": h.account.holder_name,
                "phone": h.phone_masked,
                "address": h.account.premise.address,
                "community": h.account.premise.community.name if h.account.premise.community else None,
                "district": h.account.premise.district.name,
                "status": h.account.status,
                "match": str(h.kind),
                "score": h.score,
            }
            for h in hits
        ],
    }


class MeterOut(Schema):
    number: str
    caliber_mm: int | None
    installed_on: date | None
    removed_on: date | None


class BillOut(Schema):
    period: str
    reading: Decimal | None
    usage_m3: Decimal
    amount: Decimal
    paid: Decimal
    due_on: date | None
    status: str


class HolderChangeOut(Schema):
    holder_name: str
    phones: list[str]
    valid_from: date | None
    valid_to: date


class PremiseOut(Schema):
    address: str
    district: str
    road: str | None
    road_no: str
    community: str | None
    building: str | None
    unit_no: str
    room: str
    branch: str | None
    property_company: str | None
    property_phone: str | None


class AccountOut(Schema):
    account_no: str
    holder_name: str
    holder_since: date | None
    phones: list[str] = Field(description="Full numbers for roles that need them, masked otherwise")
    status: str
    balance: Decimal
    arrears: Decimal
    opened_on: date | None
    premise: PremiseOut
    meter: MeterOut | None
    meter_history: list[MeterOut]
    holder_history: list[HolderChangeOut]
    recent_bills: list[BillOut]


@router.get("/accounts/{account_no}", response=AccountOut, summary="Account detail")
def account_get(request, account_no: str):
    detail = selectors.account_detail(actor=request.user, account_no=account_no)
    services.account_viewed(actor=request.user, account=detail.account, via="api")
    account, premise = detail.account, detail.account.premise
    community = premise.community
    return {
        "account_no": account.account_no,
        "holder_name": account.holder_name,
        "holder_since": account.holder_since,
        "phones": detail.phones,
        "status": account.status,
        "balance": account.balance,
        "arrears": account.arrears,
        "opened_on": account.opened_on,
        "premise": {
            "address": premise.address,
            "district": premise.district.name,
            "road": premise.road.name if premise.road else None,
            "road_no": premise.road_no,
            "community": community.name if community else None,
            "building": premise.building.name if premise.building else None,
            "unit_no": premise.unit_no,
            "room": premise.room,
            "branch": community.branch.name if community and community.branch else None,
            "property_company": community.property_company if community else None,
            "property_phone": community.property_phone if community else None,
        },
        "meter": detail.current_meter,
        "meter_history": detail.meters,
        "holder_history": detail.holder_changes,
        "recent_bills": detail.bills,
    }


class ImportErrorOut(Schema):
    line: int
    key: str
    message: str


class ImportJobOut(Schema):
    id: int
    kind: str
    file: str = Field(alias="original_name")
    status: str
    total_rows: int | None
    processed_rows: int
    created: int = Field(alias="created_count")
    updated: int = Field(alias="updated_count")
    unchanged: int = Field(alias="unchanged_count")
    error_count: int
    errors: list[ImportErrorOut]
    failure: str
    created_at: datetime
    finished_at: datetime | None


@router.post("/imports", response={202: ImportJobOut}, summary="Upload a billing file to import")
def import_create(request, file: File[UploadedFile], kind: Form[ImportKind] = ImportKind.ACCOUNTS):
    job = import_job_create(actor=request.user, upload=file, kind=kind)
    job.refresh_from_db()
    return Status(202, job)


@router.get("/imports/{job_id}", response=ImportJobOut, summary="Import progress and error report")
def import_get(request, job_id: int):
    require_perm(request.user, Perm.CUSTOMER_IMPORT)
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        raise NotFoundError()
    return job
