"""An administrator imports accounts from a billing CSV and reads the result."""

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = """\
account_no,holder_name,phones,district,community,building,unit,room
T9000001,测试甲,13900001111,张店区,测试花园,1,1,101
T9000002,,13900002222,张店区,测试花园,1,1,102
T9000003,测试丙,13900003333,张店区,测试花园,1,2,201
"""
BAD_LINE = 3  # the header is line 1


def test_admin_imports_csv_and_sees_errors(page, base_url, demo, login, shot, tmp_path):
    from hotline.customers.models import Account

    path = tmp_path / "accounts-small.csv"
    path.write_text(CSV, encoding="utf-8")

    login("admin")
    page.goto(f"{base_url}/customers/imports/")
    form = page.locator('form[enctype="multipart/form-data"]')
    form.locator("input[type=file][name=file]").set_input_files(str(path))
    assert form.locator("select[name=kind]").input_value() == "accounts"
    shot("upload-form")
    form.locator("button[type=submit]").click()

    page.wait_for_url(re.compile(rf"^{re.escape(base_url)}/customers/imports/\d+/$"))
    created = page.locator("#created-count")
    # The queue runs the job in-process in tests; in production the page polls until it ends.
    page.wait_for_function("() => document.querySelector('#progress[hx-get]') === null")  # a function: no eval under the CSP
    assert created.inner_text().strip() == "2"
    assert page.locator("#error-count").inner_text().strip() == "1"
    assert page.locator("#updated-count").inner_text().strip() == "0"
    rows = page.locator("#import-errors tbody tr")
    assert rows.count() == 1
    assert rows.first.locator("td").nth(0).inner_text().strip() == str(BAD_LINE)
    assert rows.first.locator("td").nth(1).inner_text().strip() == "T9000002"
    shot("import-result")

    assert set(Account.objects.filter(account_no__startswith="T9").values_list("account_no", flat=True)) == {
        "T9000001", "T9000003",
    }

    # The job is listed on the imports page, and the new customer can be found at once.
    page.goto(f"{base_url}/customers/imports/")
    assert page.locator('a[href^="/customers/imports/"]', has_text=path.name).count() == 1
    shot("import-list")
    box = page.locator("#nav form[role=search] input[name=q]")
    box.fill("T9000003")
    box.press("Enter")
    page.wait_for_url(f"{base_url}/customers/T9000003/")
    assert page.locator("#account-no").inner_text().strip() == "T9000003"
    assert page.locator("main h1").first.inner_text().strip() == "测试丙"
    shot("imported-customer")


def test_operator_cannot_open_imports(page, base_url, demo, login, shot):
    login("operator")
    assert page.locator('nav a[href="/customers/imports/"]').count() == 0
    response = page.goto(f"{base_url}/customers/imports/")
    assert response.status == 403
    assert page.get_by_role("alert").is_visible()
    shot("imports-forbidden")
