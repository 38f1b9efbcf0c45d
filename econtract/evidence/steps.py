"""The business steps (业务环节) of GB/T 36298 Tables 2–12 and our §12 extensions (X-codes).

Copied from ``shared/spec/business-steps.csv``; every evidence event carries one of these codes.
A test keeps this table equal to the CSV when the CSV is present; the platform's own extensions
beyond the CSV (X11 on) follow it, numbered on.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class BusinessStep:
    code: str
    section: str
    process: str
    name_zh: str
    name_en: str
    actor: str


# fmt: off
STEPS: tuple[BusinessStep, ...] = (
    BusinessStep("T2.1", "7", "registration", "身份登记申请",
                 "Registration application", "offeror/offeree"),
    BusinessStep("T2.2", "7", "registration", "材料审查",
                 "Material review", "platform"),
    BusinessStep("T2.3", "7", "registration", "绑定数字证书",
                 "Bind digital certificate", "platform"),
    BusinessStep("T2.4", "7", "registration", "身份登记结果通知",
                 "Registration result notice", "platform"),
    BusinessStep("T3.1", "8", "authentication", "身份认证申请",
                 "Authentication application", "offeror/offeree"),
    BusinessStep("T3.2", "8", "authentication", "数字证书认证",
                 "Digital certificate authentication", "offeror/offeree"),
    BusinessStep("T3.3", "8", "authentication", "查询在线证书状态协议",
                 "OCSP query", "platform"),
    BusinessStep("T3.4", "8", "authentication", "查询证书撤销列表",
                 "CRL query", "platform"),
    BusinessStep("T3.5", "8", "authentication", "比对公钥证书链",
                 "Certificate chain comparison", "platform"),
    BusinessStep("T3.6", "8", "authentication", "通过身份认证",
                 "Authentication passed", "platform"),
    BusinessStep("T3.7", "8", "authentication", "请求其他认证方式",
                 "Request another authentication method", "offeror/offeree"),
    BusinessStep("T3.8", "8", "authentication", "用其他方式进行身份认证",
                 "Authenticate by the other method", "platform"),
    BusinessStep("T4.1", "9.3", "offeror-signing", "合同签署申请",
                 "Signing application", "offeror"),
    BusinessStep("T4.2", "9.3", "offeror-signing", "受理申请",
                 "Accept application", "platform"),
    BusinessStep("T4.3", "9.3", "offeror-signing", "建立加密通道",
                 "Establish encrypted channel", "platform"),
    BusinessStep("T4.4", "9.3", "offeror-signing", "创建合同文本",
                 "Create contract text", "offeror"),
    BusinessStep("T4.5", "9.3", "offeror-signing", "合同要素完整性判断",
                 "Contract elements completeness check", "platform"),
    BusinessStep("T4.6", "9.3", "offeror-signing", "进行电子签名",
                 "Electronic signature", "offeror"),
    BusinessStep("T4.7", "9.3", "offeror-signing", "记录签署时间",
                 "Record signing time", "platform"),
    BusinessStep("T4.8", "9.3", "offeror-signing", "电子签名验签",
                 "Signature verification", "platform"),
    BusinessStep("T4.9", "9.3", "offeror-signing", "要约人电子签名存入用户组签名",
                 "Store offeror signature in user-group signatures", "platform"),
    BusinessStep("T4.10", "9.3", "offeror-signing", "形成不可篡改的电子合同数据",
                 "Form tamper-proof contract data", "platform"),
    BusinessStep("T5.1", "9.5", "offeree-signing", "合同签署申请",
                 "Signing application", "offeree"),
    BusinessStep("T5.2", "9.5", "offeree-signing", "受理申请",
                 "Accept application", "platform"),
    BusinessStep("T5.3", "9.5", "offeree-signing", "接收电子合同数据",
                 "Receive contract data", "offeree"),
    BusinessStep("T5.4", "9.5", "offeree-signing", "是否同意签署",
                 "Agree to sign or not", "offeree"),
    BusinessStep("T5.5", "9.5", "offeree-signing", "电子签名",
                 "Electronic signature", "offeree"),
    BusinessStep("T5.6", "9.5", "offeree-signing", "记录签署时间",
                 "Record signing time", "platform"),
    BusinessStep("T5.7", "9.5", "offeree-signing", "电子签名验签",
                 "Signature verification", "platform"),
    BusinessStep("T5.8", "9.5", "offeree-signing", "受要约人电子签名存入用户组签名",
                 "Store offeree signature in user-group signatures", "platform"),
    BusinessStep("T5.9", "9.5", "offeree-signing", "生成电子合同",
                 "Generate the electronic contract", "platform"),
    BusinessStep("T5.10", "9.5", "offeree-signing", "发送电子合同",
                 "Send the electronic contract", "platform"),
    BusinessStep("T5.11", "9.5", "offeree-signing", "接收电子合同",
                 "Receive the electronic contract", "offeror/offeree"),
    BusinessStep("T5.12", "9.5", "offeree-signing", "电子合同存储",
                 "Store the electronic contract", "platform"),
    BusinessStep("T6.1", "10.1", "query", "电子合同查询申请",
                 "Query application", "party/applicant"),
    BusinessStep("T6.2", "10.1", "query", "受理申请",
                 "Accept application", "platform"),
    BusinessStep("T6.3", "10.1", "query", "确认身份认证是否通过",
                 "Confirm authentication passed", "platform"),
    BusinessStep("T6.4", "10.1", "query", "发送验证后的电子合同",
                 "Send the verified contract", "platform"),
    BusinessStep("T6.5", "10.1", "query", "在线查看电子合同",
                 "View the contract online", "party/applicant"),
    BusinessStep("T7.1", "10.2", "download", "电子合同下载申请",
                 "Download application", "party/applicant"),
    BusinessStep("T7.2", "10.2", "download", "受理申请",
                 "Accept application", "platform"),
    BusinessStep("T7.3", "10.2", "download", "确认身份认证是否通过",
                 "Confirm authentication passed", "platform"),
    BusinessStep("T7.4", "10.2", "download", "发送验证后的电子合同",
                 "Send the verified contract", "platform"),
    BusinessStep("T7.5", "10.2", "download", "下载电子合同",
                 "Download the contract", "party/applicant"),
    BusinessStep("T8.1", "10.3", "verification", "电子合同验证申请",
                 "Verification application", "party/applicant"),
    BusinessStep("T8.2", "10.3", "verification", "受理验证申请",
                 "Accept verification application", "platform"),
    BusinessStep("T8.3", "10.3", "verification", "上传电子合同",
                 "Upload the contract", "party/applicant"),
    BusinessStep("T8.4", "10.3", "verification", "电子合同验证",
                 "Verify the contract", "platform"),
    BusinessStep("T9.1", "11.1", "identity-change", "身份信息变更申请",
                 "Identity change application", "party"),
    BusinessStep("T9.2", "11.1", "identity-change", "材料审查",
                 "Material review", "platform"),
    BusinessStep("T9.3", "11.1", "identity-change", "合同履行情况监测",
                 "Check contracts in performance", "platform"),
    BusinessStep("T9.4", "11.1", "identity-change", "身份信息变更结果通知",
                 "Identity change result notice", "platform"),
    BusinessStep("T10.1", "11.2", "cancellation", "身份注销申请",
                 "Cancellation application", "party"),
    BusinessStep("T10.2", "11.2", "cancellation", "受理申请",
                 "Accept application", "platform"),
    BusinessStep("T10.3", "11.2", "cancellation", "合同履行情况监测",
                 "Check contracts in performance", "platform"),
    BusinessStep("T10.4", "11.2", "cancellation", "注销登记",
                 "Cancel the registration", "platform"),
    BusinessStep("T11.1", "11.3", "amendment", "合同变更申请",
                 "Amendment application", "party"),
    BusinessStep("T11.2", "11.3", "amendment", "受理申请",
                 "Accept application", "platform"),
    BusinessStep("T11.3", "11.3", "amendment", "查验身份认证是否通过",
                 "Check authentication passed", "platform"),
    BusinessStep("T11.4", "11.3", "amendment", "上传合同变更内容",
                 "Upload amended content", "party"),
    BusinessStep("T11.5", "11.3", "amendment", "合同要素完整性判断",
                 "Contract elements completeness check", "platform"),
    BusinessStep("T11.6", "11.3", "amendment", "是否同意变更",
                 "Counterparty agrees or not", "counterparty"),
    BusinessStep("T11.7", "11.3", "amendment", "电子签名（缔约相对人）",
                 "Counterparty signs", "counterparty"),
    BusinessStep("T11.8", "11.3", "amendment", "记录签署时间（缔约相对人）",
                 "Record counterparty signing time", "platform"),
    BusinessStep("T11.9", "11.3", "amendment", "电子签名验签（缔约相对人）",
                 "Verify counterparty signature", "platform"),
    BusinessStep("T11.10", "11.3", "amendment", "电子签名（缔约人）",
                 "Initiator signs", "party"),
    BusinessStep("T11.11", "11.3", "amendment", "记录签署时间（缔约人）",
                 "Record initiator signing time", "platform"),
    BusinessStep("T11.12", "11.3", "amendment", "电子签名验签（缔约人）",
                 "Verify initiator signature", "platform"),
    BusinessStep("T11.13", "11.3", "amendment", "发送电子合同变更成功通知",
                 "Amendment success notice", "platform"),
    BusinessStep("T12.1", "11.4", "termination", "合同终止申请",
                 "Termination application", "party"),
    BusinessStep("T12.2", "11.4", "termination", "受理申请",
                 "Accept application", "platform"),
    BusinessStep("T12.3", "11.4", "termination", "查验身份认证是否通过",
                 "Check authentication passed", "platform"),
    BusinessStep("T12.4", "11.4", "termination", "是否同意终止",
                 "Counterparty agrees or not", "counterparty"),
    BusinessStep("T12.5", "11.4", "termination", "电子签名（缔约相对人）",
                 "Counterparty signs", "counterparty"),
    BusinessStep("T12.6", "11.4", "termination", "记录签署时间（缔约相对人）",
                 "Record counterparty signing time", "platform"),
    BusinessStep("T12.7", "11.4", "termination", "电子签名验签（缔约相对人）",
                 "Verify counterparty signature", "platform"),
    BusinessStep("T12.8", "11.4", "termination", "电子签名（缔约人）",
                 "Initiator signs", "party"),
    BusinessStep("T12.9", "11.4", "termination", "记录签署时间（缔约人）",
                 "Record initiator signing time", "platform"),
    BusinessStep("T12.10", "11.4", "termination", "电子签名验签（缔约人）",
                 "Verify initiator signature", "platform"),
    BusinessStep("T12.11", "11.4", "termination", "终止电子合同",
                 "Terminate the contract", "platform"),
    BusinessStep("X1", "12", "extension", "数字证书申请",
                 "Apply for a certificate through the CA adaptor", "party"),
    BusinessStep("X2", "12", "extension", "数字证书吊销（密钥泄露）",
                 "Revoke a certificate (key compromise; Art. 15)", "party/platform"),
    BusinessStep("X3", "12", "extension", "要约撤销",
                 "Offeror withdraws an unsigned-by-all contract", "offeror"),
    BusinessStep("X4", "12", "extension", "签署期限届满",
                 "Signing deadline expired", "platform"),
    BusinessStep("X5", "12", "extension", "查询/下载授权及缔约各方同意",
                 "Access grant to a non-party applicant with every party's consent", "party"),
    BusinessStep("X6", "12", "extension", "履行完毕确认",
                 "Every party confirms performance completed", "party"),
    BusinessStep("X7", "12", "extension", "平台服务组电子签名（封印）",
                 "Platform service signature and document timestamp (B-LTA)", "platform"),
    BusinessStep("X8", "12", "extension", "监管接口推送",
                 "Supervision interface event delivered", "platform"),
    BusinessStep("X9", "12", "extension", "通知逾期未达",
                 "Notice overdue / not delivered within the deadline", "platform"),
    BusinessStep("X10", "12", "extension", "验证报告签发",
                 "Verification report issued and sealed", "platform"),
)
# fmt: on
# Ours beyond the specification's table (X11 on): organisations (issue 14).
# fmt: off
STEPS += (
    BusinessStep("X11", "12", "extension", "组织成员管理（邀请、加入、角色变更、退出、移除）",
                 "Organisation membership: invitation, joining, role change, leaving, removal",
                 "party"),
    BusinessStep("X12", "12", "extension", "印章管理（制作、审核、停用、启用、缴销）",
                 "Organisation seal: made, reviewed, suspended, activated, destroyed",
                 "party/platform"),
    BusinessStep("X13", "12", "extension", "用印授权（授予、撤销）",
                 "Seal use authorisation: granted, revoked", "party"),
    BusinessStep("X14", "12", "extension", "合同模板保存（新建、修改为新版本）",
                 "Contract template saved: created, or changed into a new version", "party"),
)
# Sending at scale (issue 16).
STEPS += (
    BusinessStep("X15", "12", "extension", "签署邀请（发送、打开、注册、绑定）",
                 "Invitation to sign for someone not yet registered: sent, opened, registered",
                 "offeror/platform"),
    BusinessStep("X16", "12", "extension", "催签（自动、手动）",
                 "Signing reminder to the party whose turn it is: automatic or by hand",
                 "offeror/platform"),
    BusinessStep("X17", "12", "extension", "批量发送（校验、创建、取消）",
                 "Bulk send from a template: validated, contracts created, cancelled",
                 "offeror/platform"),
    BusinessStep("X18", "12", "extension", "批量签署确认（一次短信验证码）",
                 "Batch signing confirmed by one SMS code over the list of document hashes",
                 "offeror/offeree"),
)
# Drafts edited or deleted before they are sent for signing (issue 17).
STEPS += (
    BusinessStep("X19", "12", "extension", "合同草稿修改、删除",
                 "Draft contract edited or deleted by its offeror before it is sent for signing",
                 "offeror"),
)
# A termination agreed with a future effective date ends the contract on that date (issue 17).
STEPS += (
    BusinessStep("X20", "12", "extension", "合同终止生效",
                 "Termination takes effect: the contract is terminated on the agreed date",
                 "platform"),
)
# The operator console (issue 17).
STEPS += (
    BusinessStep("X21", "12", "extension", "运营人员查看完整个人号码（附理由）",
                 "Operator viewed a whole personal number (ID number or phone), with a reason",
                 "platform"),
)
# The evidence package (issue 18).
STEPS += (
    BusinessStep("X22", "12", "extension", "出证（证据包签发）",
                 "Evidence package issued to a party, a grantee or an operator", "platform"),
)
# fmt: on

BY_CODE: dict[str, BusinessStep] = {step.code: step for step in STEPS}


class Step(StrEnum):
    """Every business step's code as a name the type checker knows: ``Step.T4_6 == "T4.6"``.

    Write ``Step.T4_6`` where a step is recorded, never the bare string; a test keeps the members
    equal to ``STEPS`` and to ``shared/spec/business-steps.csv``.
    """

    T2_1 = "T2.1"
    T2_2 = "T2.2"
    T2_3 = "T2.3"
    T2_4 = "T2.4"
    T3_1 = "T3.1"
    T3_2 = "T3.2"
    T3_3 = "T3.3"
    T3_4 = "T3.4"
    T3_5 = "T3.5"
    T3_6 = "T3.6"
    T3_7 = "T3.7"
    T3_8 = "T3.8"
    T4_1 = "T4.1"
    T4_2 = "T4.2"
    T4_3 = "T4.3"
    T4_4 = "T4.4"
    T4_5 = "T4.5"
    T4_6 = "T4.6"
    T4_7 = "T4.7"
    T4_8 = "T4.8"
    T4_9 = "T4.9"
    T4_10 = "T4.10"
    T5_1 = "T5.1"
    T5_2 = "T5.2"
    T5_3 = "T5.3"
    T5_4 = "T5.4"
    T5_5 = "T5.5"
    T5_6 = "T5.6"
    T5_7 = "T5.7"
    T5_8 = "T5.8"
    T5_9 = "T5.9"
    T5_10 = "T5.10"
    T5_11 = "T5.11"
    T5_12 = "T5.12"
    T6_1 = "T6.1"
    T6_2 = "T6.2"
    T6_3 = "T6.3"
    T6_4 = "T6.4"
    T6_5 = "T6.5"
    T7_1 = "T7.1"
    T7_2 = "T7.2"
    T7_3 = "T7.3"
    T7_4 = "T7.4"
    T7_5 = "T7.5"
    T8_1 = "T8.1"
    T8_2 = "T8.2"
    T8_3 = "T8.3"
    T8_4 = "T8.4"
    T9_1 = "T9.1"
    T9_2 = "T9.2"
    T9_3 = "T9.3"
    T9_4 = "T9.4"
    T10_1 = "T10.1"
    T10_2 = "T10.2"
    T10_3 = "T10.3"
    T10_4 = "T10.4"
    T11_1 = "T11.1"
    T11_2 = "T11.2"
    T11_3 = "T11.3"
    T11_4 = "T11.4"
    T11_5 = "T11.5"
    T11_6 = "T11.6"
    T11_7 = "T11.7"
    T11_8 = "T11.8"
    T11_9 = "T11.9"
    T11_10 = "T11.10"
    T11_11 = "T11.11"
    T11_12 = "T11.12"
    T11_13 = "T11.13"
    T12_1 = "T12.1"
    T12_2 = "T12.2"
    T12_3 = "T12.3"
    T12_4 = "T12.4"
    T12_5 = "T12.5"
    T12_6 = "T12.6"
    T12_7 = "T12.7"
    T12_8 = "T12.8"
    T12_9 = "T12.9"
    T12_10 = "T12.10"
    T12_11 = "T12.11"
    X1 = "X1"
    X2 = "X2"
    X3 = "X3"
    X4 = "X4"
    X5 = "X5"
    X6 = "X6"
    X7 = "X7"
    X8 = "X8"
    X9 = "X9"
    X10 = "X10"
    X11 = "X11"
    X12 = "X12"
    X13 = "X13"
    X14 = "X14"
    X15 = "X15"
    X16 = "X16"
    X17 = "X17"
    X18 = "X18"
    X19 = "X19"
    X20 = "X20"
    X21 = "X21"
    X22 = "X22"

    @property
    def business_step(self) -> BusinessStep:
        return BY_CODE[self.value]


def is_step_code(code: str) -> bool:
    return code in BY_CODE


def steps_of(process: str) -> list[BusinessStep]:
    return [step for step in STEPS if step.process == process]
