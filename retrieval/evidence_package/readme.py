"""README.txt of the package: what is in it and how to check it, in Chinese and English (both,
whatever the report's language: the reader may not read the requester's)."""

README = """\
电子合同证据包（出证）
=====================

本证据包由电子合同平台生成，用于在不依赖平台、不联网的情况下核验合同 {reference}（{title}）。

内容
- manifest.json：除 manifest.json 与 manifest.json.p7s 外每个文件的 SHA-256 与大小。
- manifest.json.p7s：平台电子印章对 manifest.json 的分离式 CMS 签名（含 RFC 3161 签名时间戳）。
- report/evidence-report.pdf：出证报告（合同过程逐步说明，平台盖章，PAdES B-LTA）。
- documents/：合同各版本（原合同、变更、终止协议）的存储文件。
- verification/：各版本的验证报告（JSON 与平台盖章的 PDF）。
- evidence/：本合同的存证事件（events.json）、把事件链接到已加盖时间戳的链头的链段（chain.json）
  以及链头的 RFC 3161 时间戳（anchors/）。
- pki/：所用证书、OCSP 响应、CRL、时间戳机构证书及平台信任根（trust-roots.pem）。
- records/：签署时的身份认证记录、短信确认记录、通知的发送/送达/阅读时间。

核验
    pip install econtract-verify
    econtract-verify 本文件.zip --trust 根证书.pem
退出状态为 0 表示全部检查通过。不提供 --trust 时使用包内自带的信任根：此时只能证明本包
内部一致，不能证明由谁生成——请将打印的根证书指纹与平台公布的指纹比对。

Electronic contract evidence package
====================================

Made by the electronic contract platform so that contract {reference} ({title}) can be
checked without trusting the platform and without a network connection.

Contents
- manifest.json: the SHA-256 and size of every other file (but manifest.json.p7s).
- manifest.json.p7s: the platform seal's detached CMS signature over manifest.json, with an
  RFC 3161 signature timestamp.
- report/evidence-report.pdf: the evidence report (the contract's story step by step), sealed
  by the platform (PAdES B-LTA).
- documents/: every version of the contract as stored (original, amendments, termination).
- verification/: each version's validation report (JSON, and the sealed PDF).
- evidence/: the contract's evidence events (events.json), the chain segments linking them to
  timestamped chain heads (chain.json) and those heads' RFC 3161 tokens (anchors/).
- pki/: the certificates, OCSP responses, CRLs and TSA certificates used, and the platform's
  trust roots (trust-roots.pem).
- records/: the signers' authentications at signing time, the SMS confirmations, and when the
  notices were sent, delivered and read.

Checking
    pip install econtract-verify
    econtract-verify this-file.zip --trust root.pem
Exit status 0 means every check holds. Without --trust the roots in the package are used: that
proves the package is consistent, not who made it — compare the printed root fingerprints with
the ones the platform publishes.
"""


def readme(*, reference: str, title: str) -> bytes:
    return README.format(reference=reference, title=title).encode()
