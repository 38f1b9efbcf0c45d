"""A detached CMS signature by the platform seal over any bytes (the evidence package's
``manifest.json.p7s``, ``docs/evidence-package.md``).

CMS SignedData (DER) without the content, signed with the seal key through the key store (a
file or a PKCS#11 token), the seal certificate and its chain in ``certificates``, and an RFC
3161 signature timestamp from the platform's TSA as the unsigned attribute
``id-aa-signatureTimeStampToken``: anyone holding the bytes checks them offline.
"""

from __future__ import annotations

from asn1crypto import cms
from pyhanko.sign import signers

from econtract.pki.aio import run_on_pki_loop
from econtract.pki.pades import DIGEST_ALGORITHM
from econtract.pki.pades_seal import platform_seal_signer
from econtract.pki.tsa import platform_timestamper


def sign_detached(data: bytes) -> bytes:
    """The platform seal's detached, timestamped CMS signature over ``data`` (DER)."""
    signed: cms.ContentInfo = run_on_pki_loop(_sign(data, platform_seal_signer()))
    return bytes(signed.dump())


async def _sign(data: bytes, signer: signers.Signer) -> cms.ContentInfo:
    # CAdES signed attributes: the signing-certificate-v2 attribute binds the seal
    # certificate, so a certificate swapped in ``certificates`` cannot pass for the signer.
    return await signer.async_sign_general_data(
        data,
        DIGEST_ALGORITHM,
        detached=True,
        use_cades=True,
        timestamper=platform_timestamper(),
    )
