from django.urls import path

from econtract.evidence.api import EvidenceChainVerify, EvidenceEventList

urlpatterns = [
    path("evidence/", EvidenceEventList.as_view(), name="evidence-list"),
    path("evidence/verify/", EvidenceChainVerify.as_view(), name="evidence-verify"),
]
