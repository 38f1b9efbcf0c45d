"""Signals about parties that other processes react to.

``certificate_revoked(sender=PartyCertificate, party=Party, certificate=PartyCertificate)`` is
sent when a party revokes a certificate (X2, key compromise, law Art. 15), inside the
revocation's transaction, after the certificate is marked revoked. The signing process connects
to it to tell the counterparties of the party's unfinished contracts (whatever it writes then
commits together with the revocation). It lives in the kernel so every process may connect.
"""

from __future__ import annotations

from django.dispatch import Signal

certificate_revoked = Signal()
