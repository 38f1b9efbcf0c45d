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

# ``party_registered(sender=Party, party=Party)``: a registration was approved and the party
# created (T2.2), inside that transaction. The signing process binds the invitations to sign
# that this account opened and that name this party (issue 16).
party_registered = Signal()
