"""Issue 14 in Debian Chromium: an organisation's administrator invites an agent; the agent (a
registered person) accepts, makes a key in its browser and asks for a certificate to sign for
the organisation, which the administrator approves; the seal keeper draws the contract seal and
authorises the agent; the agent signs a contract for the organisation with the seal and a paging
seal. The concluded PDF shows the red seal in the box and a slice on every page, and verifiers
that share no code with the platform accept it."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image, ImageChops, ImageStat
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from econtract.contracts.documents import read_document
from econtract.contracts.models import Contract
from econtract.organizations.models import Membership, SealUse
from econtract.parties.models import Party
from tests.organizations.conftest import join
from tests.pki.pades.conftest import nss_db
from tests.pki.pades.verifiers import pdfsig, pyhanko_offline
from tests.pki_fixtures import LocalPki
from tests.registration.certificates.conftest import last_sms
from tests.signing.conftest import PASSWORD, authenticate, make_party
from tests.signing.sessions.conftest import ready_contract
from tests.signing.test_signing_in_browser import seal_under_live_server, sign_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

__all__ = ["nss_db", "seal_under_live_server"]


def log_in(page: Page, base_url: str, username: str, then: str) -> None:
    page.goto(f"{base_url}/accounts/login/?next={then}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="登录").click()


def act_for(page: Page, organization: Party) -> None:
    """The header's switch: from now on the pages act for the organisation (on a phone it is
    in the menu)."""
    if page.get_by_test_id("menu-button").is_visible():
        page.get_by_test_id("menu-button").click()
    page.get_by_label("代表").select_option(label=organization.name)
    expect(page.get_by_role("listitem").filter(has_text="您正在代表")).to_be_visible()


def red_share(image: Image.Image, box: tuple[int, int, int, int]) -> float:
    region = image.crop(box)
    bands = region.split()
    red = bands[0].point(lambda v: 255 if v > 170 else 0)
    not_green = bands[1].point(lambda v: 255 if v < 110 else 0)
    not_blue = bands[2].point(lambda v: 255 if v < 110 else 0)
    both = ImageChops.multiply(ImageChops.multiply(red, not_green), not_blue)
    return float(ImageStat.Stat(both).mean[0]) / 255


def test_an_agent_signs_for_its_organisation_with_the_seal_it_is_authorised_to_apply(
    page: Page,
    phone_page: Page,
    new_page: Callable[[], Page],
    live_server: LiveServer,
    live_pki: str,
    seal_under_live_server: None,
    nss_db: Path,
    local_pki: LocalPki,
    tmp_path: Path,
) -> None:
    base = live_server.url
    company = make_party(
        "seller",
        name="北京示例科技有限公司",
        phone="13800000001",
        kind=Party.Kind.ORGANIZATION,
        credit_code="91110108MA01234567",
    )
    wang = make_party("wang", name="王经办", phone="13900000002")
    keeper = make_party("zhao", name="赵印章", phone="13900000003")
    buyer = make_party("buyer", name="张三", phone="13800000002")
    for party in (company, wang, buyer):
        authenticate(party)
    join(company, keeper, "seal_keeper")

    # The administrator (the organisation's own account) invites the agent.
    admin = page
    log_in(admin, base, "seller", f"/organizations/{company.pk}/")
    admin.get_by_label("手机号、电子邮箱或用户名").fill("13900000002")
    admin.get_by_test_id("invite-form").get_by_role("checkbox", name="经办人").check()
    admin.get_by_role("button", name="发送邀请").click()
    expect(admin.get_by_test_id("pending-invitations")).to_contain_text("wang")

    # The agent accepts (on a phone), then asks for a certificate with a key of its browser.
    agent = phone_page
    log_in(agent, base, "wang", "/organizations/")
    agent.get_by_test_id("my-invitations").get_by_role("link", name=company.name).click()
    agent.get_by_role("button", name="接受").click()
    expect(agent.get_by_test_id("members")).to_contain_text("王经办")
    act_for(agent, company)
    agent.goto(f"{base}/certificates/")
    expect(agent.get_by_test_id("acting-notice")).to_contain_text(company.name)
    agent.get_by_role("button", name="生成密钥并发送短信验证码").click()
    expect(agent.get_by_label("短信验证码")).to_be_visible()
    agent.get_by_label("短信验证码").fill(str(last_sms(wang.phone, with_code=True)["code"]))
    agent.get_by_role("button", name="申请证书").click()
    expect(agent.get_by_role("status")).to_contain_text("管理员批准后即签发证书")

    # The administrator approves: the CA issues the certificate naming both.
    admin.reload()
    admin.get_by_test_id("certificate-request").get_by_role("button", name="批准").click()
    expect(admin.get_by_role("listitem").filter(has_text="证书已签发")).to_be_visible()

    # The seal keeper draws the contract seal and authorises the agent to apply it.
    seal_keeper = new_page()
    log_in(seal_keeper, base, "zhao", "/organizations/")
    act_for(seal_keeper, company)
    seal_keeper.goto(f"{base}/organizations/{company.pk}/seals/")
    seal_keeper.get_by_test_id("generate-seal").get_by_label("类型").select_option("contract")
    seal_keeper.get_by_role("button", name="制作印章").click()
    expect(seal_keeper.get_by_test_id("seal")).to_have_count(1)
    expect(seal_keeper.get_by_test_id("seal-image")).to_be_visible()
    form = seal_keeper.get_by_test_id("authorize-form")
    form.get_by_label("经办人").select_option(label="王经办")
    until = timezone.localtime(timezone.now() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    form.get_by_label("有效期至").fill(until)
    form.get_by_role("button", name="授权").click()
    expect(seal_keeper.get_by_test_id("authorizations")).to_contain_text("王经办")

    # The agent signs the organisation's offer with the seal and a paging seal.
    reference = ready_contract(company, buyer)
    agent.goto(f"{base}/contracts/{reference}/")
    expect(agent.get_by_test_id("seal-select")).to_be_visible()
    agent.get_by_test_id("paging-seal").check()
    agent.get_by_role("button", name="签署", exact=True).click()
    expect(agent.get_by_test_id("contract-state")).to_have_attribute(
        "data-state", "signing", timeout=20_000
    )
    expect(agent.get_by_test_id("signed-by")).to_contain_text("王经办")

    # The buyer signs in its own browser; the platform seal concludes the contract.
    buyer_page = new_page()
    sign_in_browser(buyer_page, base, buyer, reference)
    expect(buyer_page.get_by_test_id("contract-state")).to_have_attribute(
        "data-state", "in_performance", timeout=30_000
    )

    contract = Contract.objects.get(reference=reference)
    assert contract.current_version is not None
    pdf = read_document(contract.current_version)
    assert SealUse.objects.filter(contract=contract).count() == 1
    assert Membership.objects.get(account=wang.account).roles == ["agent"]
    path = tmp_path / "concluded.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(tmp_path / "p")], check=True)
    pages = [Image.open(p).convert("RGB") for p in sorted(tmp_path.glob("p-*.png"))]
    assert len(pages) >= 2
    for rendered in pages:
        width, height = rendered.size
        assert red_share(rendered, (width - 12, height // 2 - 40, width, height // 2 + 40)) > 0.05
    assert red_share(pages[-1], (40, 120, 230, 230)) > 0.02  # the seal in the seller's box
    report = pdfsig(path, nss_db)
    signed = [
        s for s in report if s["Signature Field Name"] in ("signatory1", "signatory2", "platform")
    ]
    assert len(signed) == 3
    assert {s["Signature Validation"] for s in signed} == {"Signature is Valid."}, report
    verified = pyhanko_offline(
        "sign", "adesverify", "--trust", str(local_pki.root_pem), "--trust-replace", str(path)
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
