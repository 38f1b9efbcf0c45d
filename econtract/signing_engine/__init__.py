"""The kernel's one two-step signing engine (PKI-NOTES.md, DESIGN.md §3).

prepare → the client signs ``to_be_signed`` with its own key → complete: the signer's §8 checks,
the prepared revision kept in a :class:`~econtract.signing_engine.models.TwoStepSession`, the
signature checked, embedded with a B-T timestamp and verified (验签), the three-failure rule, the
stale-revision check and per-document serialisation (``engine.py``); the SMS-code and
handwritten auxiliary signatures (``sms.py``, §9.1); the signature fields (``fields.py``) and the
platform's B-LTA seal (``seal.py``); batch signing, many sessions of one signer confirmed by one
SMS code bound to the digest of their list (``batch.py``; its models are the only tables here).

What is signed — a contract, an amendment, a termination agreement — is a
:class:`~econtract.signing_engine.policy.SigningPolicy`: who signs in which order, which step
codes and notices, what happens when the last signature lands. Nothing here imports an app.
"""
