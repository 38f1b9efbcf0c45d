"""The notice kinds: every notice the standard names (``spec/notices.csv``) and ours (X-codes).

A kind is a stable snake_case code that the processes pass to ``notify``; it carries the business
step, the notice's names in both languages (the standard's, kept for the records: people read the
subject its template writes), its default channels, whether it asks for an action (then it links
to where the action is done) and the template folder it shares with its family. To add a notice,
register it here and write ``templates/notifications/<code>/<language>/notice.txt`` for both
languages (see ``rendering``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.core.exceptions import ImproperlyConfigured

from econtract.evidence.steps import Step, is_step_code
from econtract.notifications.models import Channel

DEFAULT_CHANNELS: tuple[str, ...] = (Channel.INBOX, Channel.EMAIL)
# For what may be someone else's doing or asks to act at once: by SMS too.
WITH_SMS: tuple[str, ...] = (Channel.INBOX, Channel.EMAIL, Channel.SMS)


@dataclass(frozen=True, slots=True)
class NoticeKind:
    code: str
    step: str
    name_zh: str
    name_en: str
    channels: tuple[str, ...] = DEFAULT_CHANNELS
    # The notice asks the recipient to do something: it must carry a link to where it is done.
    action: bool = False
    # The templates' folder when a family shares one (``templates/notifications/<template>/``);
    # empty: the kind's own code.
    template: str = ""
    # The page (a URL name without arguments) a notice links to when its caller names none
    # and its object has no page of its own, e.g. "authentication".
    page: str = ""

    def name(self, language: str) -> str:
        return self.name_en if language == "en" else self.name_zh


def not_authenticated(code: str, step: str) -> NoticeKind:
    """The 身份认证未通过通知 with which §8 ends any process that finds no valid authentication:
    it asks the party to authenticate, and links to where that is done."""
    return NoticeKind(
        code,
        step,
        "身份认证未通过通知",
        "Not authenticated notice",
        action=True,
        template="_not_authenticated",
        page="authentication",
    )


class UnknownNoticeKind(LookupError):
    pass


_REGISTRY: dict[str, NoticeKind] = {}


def register_kind(kind: NoticeKind) -> NoticeKind:
    """Add a kind; a second kind with the same code or an unknown step is a programming error."""
    if kind.code in _REGISTRY:
        raise ImproperlyConfigured(f"notice kind {kind.code!r} is registered twice")
    if not is_step_code(kind.step):
        raise ImproperlyConfigured(f"notice kind {kind.code!r} names unknown step {kind.step!r}")
    unknown = set(kind.channels) - set(Channel.values)
    if unknown:
        raise ImproperlyConfigured(f"notice kind {kind.code!r} names unknown channels {unknown}")
    _REGISTRY[kind.code] = kind
    return kind


def get_kind(code: str) -> NoticeKind:
    try:
        return _REGISTRY[code]
    except KeyError:
        raise UnknownNoticeKind(f"no notice kind {code!r} is registered") from None


def all_kinds() -> list[NoticeKind]:
    return list(_REGISTRY.values())


# fmt: off
# The kinds that ask the recipient to act (sign, supplement, answer, authenticate, approve...).
_ACTIONS = frozenset({
    "registration_supplement_requested", "authentication_failed", "contract_elements_incomplete",
    "offeror_signature_failed", "contract_data_delivered",
    "identity_change_supplement_requested", "identity_change_consent_requested",
    "amendment_elements_incomplete", "grant_consent_requested", "member_invited",
    "member_certificate_requested", "signing_invitation", "signing_invitation_accepted",
    "signing_reminder", "signing_turn",
})

# Kinds whose wording one family template holds (``templates/notifications/<family>/``).
_FAMILIES = {
    **dict.fromkeys(
        ("offeror_signature_failed", "offeree_signature_failed",
         "amendment_counterparty_signature_failed", "amendment_initiator_signature_failed",
         "termination_counterparty_signature_failed", "termination_initiator_signature_failed"),
        "_signature_failed",
    ),
    **dict.fromkeys(
        ("offeror_signing_accepted", "offeree_signing_accepted", "query_accepted",
         "download_accepted", "cancellation_accepted", "amendment_accepted",
         "termination_accepted"),
        "_accepted",
    ),
    **dict.fromkeys(
        ("amendment_elements_incomplete", "amendment_refused", "amendment_succeeded",
         "termination_refused", "termination_succeeded"),
        "_contract_change",
    ),
    **dict.fromkeys(
        ("authentication_succeeded", "authentication_failed",
         "alternative_authentication_result"),
        "_authentication",
    ),
    **dict.fromkeys(
        ("registration_supplement_requested", "identity_change_supplement_requested"),
        "_supplement",
    ),
    **dict.fromkeys(
        ("identity_change_succeeded", "identity_change_failed",
         "identity_change_consent_requested", "identity_change_counterparty_answered"),
        "_identity_change",
    ),
    **dict.fromkeys(("cancellation_succeeded", "cancellation_refused"), "_cancellation"),
    **dict.fromkeys(("grant_consent_requested", "grant_activated", "grant_refused"), "_grant"),
    **dict.fromkeys(
        ("offeror_signature_verified", "offeree_declined", "contract_concluded_delivered",
         "contract_withdrawn", "contract_expired", "counterparty_certificate_revoked",
         "performance_confirmed", "contract_performed"),
        "_contract",
    ),
}

# Where a notice links when neither its caller nor its object names a page.
_PAGES = {
    "registration_succeeded": "certificates",
    "authentication_succeeded": "contracts",
    "authentication_failed": "authentication",
    "alternative_authentication_result": "authentication",
    "certificate_issued": "certificates",
    "certificate_revoked": "certificates",
}

# The notices of spec/notices.csv, in its order (Tables 2–12), then our extensions.
for _kind in (
    # Table 2, registration (§7)
    NoticeKind("registration_supplement_requested", Step.T2_2, "补正材料通知",
               "Supplement materials notice"),
    NoticeKind("registration_succeeded", Step.T2_4, "身份登记成功通知",
               "Registration succeeded notice"),
    NoticeKind("registration_failed", Step.T2_4,
               "身份登记不成功通知", "Registration failed notice"),
    # Table 3, authentication (§8)
    NoticeKind("authentication_succeeded", Step.T3_6, "身份认证成功通知",
               "Authentication succeeded notice"),
    NoticeKind("authentication_failed", Step.T3_6, "身份认证未成功通知",
               "Authentication failed notice"),
    NoticeKind("alternative_authentication_result", Step.T3_8,
               "身份认证成功/未成功通知（其他方式）",
               "Alternative authentication result notice"),
    # Table 4, the offeror signs (§9.3)
    NoticeKind("offeror_signing_accepted", Step.T4_2, "受理通知（签署申请）",
               "Signing application accepted notice"),
    NoticeKind("contract_elements_incomplete", Step.T4_5, "合同要素不完整通知",
               "Contract elements incomplete notice"),
    NoticeKind("offeror_signature_verified", Step.T4_8,
               "验签成功通知", "Signature verified notice"),
    NoticeKind("offeror_signature_failed", Step.T4_8, "验签未成功通知",
               "Signature verification failed notice"),
    # It asks the offerees to sign: by SMS too, with the link.
    NoticeKind("contract_data_delivered", Step.T4_10,
               "电子合同数据送达", "Contract data delivered",
               channels=WITH_SMS),
    # Not in Table 4, but §8 ends any process that finds no valid authentication with this notice.
    not_authenticated("signing_not_authenticated", Step.T4_1),
    # Table 5, the offerees sign (§9.5)
    NoticeKind("offeree_signing_accepted", Step.T5_2, "受理通知（签署申请）",
               "Signing application accepted notice"),
    NoticeKind("offeree_declined", Step.T5_4, "受要约人不同意签署通知", "Offeree declines notice"),
    NoticeKind("offeree_signature_failed", Step.T5_7, "验签未成功通知",
               "Signature verification failed notice"),
    NoticeKind("contract_concluded_delivered", Step.T5_10, "电子合同送达",
               "Concluded contract delivered"),
    # Tables 6–8, query, download, verification (§10)
    NoticeKind("query_accepted", Step.T6_2, "受理通知（查询申请）",
               "Query application accepted notice"),
    not_authenticated("query_not_authenticated", Step.T6_3),
    NoticeKind("download_accepted", Step.T7_2, "受理通知（下载申请）",
               "Download application accepted notice"),
    not_authenticated("download_not_authenticated", Step.T7_3),
    NoticeKind("verification_report", Step.T8_4, "电子合同验证报告", "Verification report"),
    # Table 9, identity change (§11.1)
    NoticeKind("identity_change_supplement_requested", Step.T9_2, "补正材料通知",
               "Supplement materials notice"),
    NoticeKind("identity_change_succeeded", Step.T9_4, "身份信息变更成功通知",
               "Identity change succeeded notice"),
    NoticeKind("identity_change_failed", Step.T9_4, "身份信息变更不成功通知",
               "Identity change failed notice"),
    NoticeKind("identity_change_consent_requested", Step.T9_3, "变更后的缔约人身份信息",
               "Changed identity data"),
    NoticeKind("identity_change_counterparty_answered", Step.T9_4,
               "缔约相对人同意/不同意继续履行合同的通知",
               "Counterparty agrees / disagrees to continue notice"),
    # Table 10, cancellation (§11.2)
    NoticeKind("cancellation_accepted", Step.T10_2, "受理通知（注销申请）",
               "Cancellation application accepted notice"),
    NoticeKind("cancellation_succeeded", Step.T10_4,
               "注销成功通知", "Cancellation succeeded notice"),
    NoticeKind("cancellation_refused", Step.T10_4, "不予注销通知", "Cancellation refused notice"),
    # Table 11, amendment (§11.3)
    NoticeKind("amendment_accepted", Step.T11_2, "受理通知（变更申请）",
               "Amendment application accepted notice"),
    not_authenticated("amendment_not_authenticated", Step.T11_3),
    NoticeKind("amendment_elements_incomplete", Step.T11_5, "合同要素不完整通知",
               "Contract elements incomplete notice"),
    NoticeKind("amendment_refused", Step.T11_6, "缔约相对人不同意变更合同通知",
               "Counterparty refuses amendment notice"),
    NoticeKind("amendment_counterparty_signature_failed", Step.T11_9, "电子签名验签未通过通知",
               "Signature verification failed notice"),
    NoticeKind("amendment_initiator_signature_failed", Step.T11_12, "电子签名验签未通过通知",
               "Signature verification failed notice"),
    NoticeKind("amendment_succeeded", Step.T11_13, "电子合同变更成功通知",
               "Amendment succeeded notice"),
    # Table 12, termination (§11.4)
    NoticeKind("termination_accepted", Step.T12_2, "受理通知（终止申请）",
               "Termination application accepted notice (with the termination agreement)"),
    not_authenticated("termination_not_authenticated", Step.T12_3),
    NoticeKind("termination_refused", Step.T12_4, "缔约相对人不同意终止合同通知",
               "Counterparty refuses termination notice"),
    NoticeKind("termination_counterparty_signature_failed", Step.T12_7, "电子签名验签未通过通知",
               "Signature verification failed notice"),
    NoticeKind("termination_initiator_signature_failed", Step.T12_10, "电子签名验签未通过通知",
               "Signature verification failed notice"),
    NoticeKind("termination_succeeded", Step.T12_11, "电子合同终止成功通知",
               "Termination succeeded notice"),
    # §12 extensions
    # Every certificate issued or revoked is told by SMS too: it may be someone else's doing.
    NoticeKind("certificate_issued", Step.X1, "数字证书签发通知", "Certificate issued notice",
               channels=WITH_SMS),
    NoticeKind("certificate_revoked", Step.X2, "数字证书吊销通知", "Certificate revoked notice",
               channels=WITH_SMS),
    # Law Art. 15: the counterparties of unfinished contracts are told of a compromised key.
    NoticeKind("counterparty_certificate_revoked", Step.X2, "缔约相对方数字证书吊销通知",
               "Counterparty's certificate revoked notice"),
    NoticeKind("contract_withdrawn", Step.X3, "撤销通知", "Contract withdrawn notice"),
    NoticeKind("contract_expired", Step.X4, "过期通知", "Contract expired notice"),
    # X5: a party asks the others to let a non-party applicant query or download a contract.
    NoticeKind("grant_consent_requested", Step.X5, "查询/下载授权征求同意通知",
               "Access grant consent requested notice"),
    NoticeKind("grant_activated", Step.X5, "查询/下载授权生效通知", "Access grant active notice"),
    NoticeKind("grant_refused", Step.X5, "查询/下载授权被拒绝通知", "Access grant refused notice"),
    # X6: each confirmation is told to the other parties; the last one makes it performed.
    NoticeKind("performance_confirmed", Step.X6, "履行完毕确认通知",
               "Performance confirmed by a party notice"),
    NoticeKind("contract_performed", Step.X6, "合同履行完毕通知", "Contract performed notice"),
    NoticeKind("deadline_overdue", Step.X9, "逾期提醒（规定时间内未收到通知）",
               "Overdue notice (nothing received within the time limit)",
               channels=WITH_SMS),
    # X11: organisation members. An invitation asks for an action: it goes by SMS too.
    NoticeKind("member_invited", Step.X11, "组织成员邀请通知", "Organisation membership invitation",
               channels=WITH_SMS),
    NoticeKind("membership_changed", Step.X11, "组织成员变更通知",
               "Organisation membership change notice"),
    NoticeKind("member_certificate_requested", Step.X1, "成员数字证书申请待审批通知",
               "Member certificate awaiting approval notice"),
    NoticeKind("member_certificate_refused", Step.X1, "成员数字证书申请未获批准通知",
               "Member certificate refused notice"),
    NoticeKind("seal_changed", Step.X12, "印章变更通知", "Organisation seal change notice"),
    NoticeKind("seal_authorization_changed", Step.X13, "用印授权变更通知",
               "Seal use authorisation change notice"),
    # X15: an invitation to sign for someone not yet registered (sent to the address invited),
    # what became of it (to the offeror), and the contract waiting once registered.
    NoticeKind("signing_invitation", Step.X15, "合同签署邀请", "Invitation to sign a contract",
               channels=(Channel.EMAIL, Channel.SMS)),
    NoticeKind("signing_invitation_progress", Step.X15, "签署邀请进展通知",
               "Signing invitation update"),
    NoticeKind("signing_invitation_accepted", Step.X15, "待签署合同通知",
               "Contract waiting for your signature",
               channels=WITH_SMS),
    # X16: a reminder to the party whose turn it is to sign, with the link (by SMS too).
    NoticeKind("signing_reminder", Step.X16, "催签通知", "Reminder to sign",
               channels=WITH_SMS),
    # X16: the offeree after another one in the signing order hears at once that its turn came.
    NoticeKind("signing_turn", Step.X16, "轮到您签署通知", "Your turn to sign",
               channels=WITH_SMS),
):
    register_kind(
        replace(
            _kind,
            action=_kind.action or _kind.code in _ACTIONS,
            template=_FAMILIES.get(_kind.code, _kind.template),
            page=_PAGES.get(_kind.code, _kind.page),
        )
    )
# fmt: on
