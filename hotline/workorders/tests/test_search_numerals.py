"""The order list's search finds a community written with Chinese numerals (issue 14 §6)."""

import pytest

from hotline.workorders.selectors import OrderFilter, order_list
from hotline.workorders.tests.test_views import community, make_order, people  # noqa: F401


@pytest.mark.django_db
def test_orders_of_a_community_found_with_chinese_numerals(make_order, people):
    order = make_order()  # at 中央公园2期
    for q in ("中央公园二期", "中央公园2期"):
        rows, _more = order_list(actor=people["operator"], flt=OrderFilter(q=q))
        assert [o.number for o in rows] == [order.number], q
    rows, _more = order_list(actor=people["operator"], flt=OrderFilter(q="中央公园三期"))
    assert rows == []
