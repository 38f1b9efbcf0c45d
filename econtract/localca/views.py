"""HTTP endpoints of the built-in CA: certificates, OCSP, CRLs and the TSA.

Relying parties call these anonymously and without CSRF tokens, as any PKI client does; they
change nothing a client controls (a CRL fetch may sign a fresh CRL, nothing more).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

from cryptography.hazmat.primitives import serialization
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from econtract.localca import material, services
from econtract.localca.exceptions import MalformedRequestError

# OCSP and time-stamp requests are a few hundred bytes; anything far bigger is not one.
MAX_PROTOCOL_REQUEST_BYTES = 16 * 1024

OCSP_REQUEST_TYPE = "application/ocsp-request"
OCSP_RESPONSE_TYPE = "application/ocsp-response"
TSA_QUERY_TYPE = "application/timestamp-query"
TSA_REPLY_TYPE = "application/timestamp-reply"
CRL_TYPE = "application/pkix-crl"
CERT_DER_TYPE = "application/pkix-cert"
PEM_TYPE = "application/x-pem-file"


def _plain(status: int, message: str) -> HttpResponse:
    return HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")


@require_GET
def root_pem(request: HttpRequest) -> HttpResponse:
    return HttpResponse(material.to_pem(services.root_certificate()), content_type=PEM_TYPE)


@require_GET
def chain_pem(request: HttpRequest) -> HttpResponse:
    chain = material.to_pem(services.intermediate_certificate(), services.root_certificate())
    return HttpResponse(chain, content_type=PEM_TYPE)


@require_GET
def root_der(request: HttpRequest) -> HttpResponse:
    der = services.root_certificate().public_bytes(serialization.Encoding.DER)
    return HttpResponse(der, content_type=CERT_DER_TYPE)


@require_GET
def intermediate_der(request: HttpRequest) -> HttpResponse:
    der = services.intermediate_certificate().public_bytes(serialization.Encoding.DER)
    return HttpResponse(der, content_type=CERT_DER_TYPE)


@require_GET
def intermediate_crl(request: HttpRequest) -> HttpResponse:
    return HttpResponse(services.current_crl_der(), content_type=CRL_TYPE)


@require_GET
def root_crl(request: HttpRequest) -> HttpResponse:
    return HttpResponse(services.root_crl_der(), content_type=CRL_TYPE)


@csrf_exempt
@require_POST
def ocsp_post(request: HttpRequest) -> HttpResponse:
    return _answer(request, OCSP_REQUEST_TYPE, services.ocsp_response_for, OCSP_RESPONSE_TYPE)


@require_http_methods(["GET"])
def ocsp_get(request: HttpRequest, encoded: str) -> HttpResponse:
    """RFC 6960 A.1: GET {url}/{url-encoding of base-64 encoding of the DER request}."""
    try:
        request_der = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return _plain(400, "The path after /pki/ocsp/ is not base64 of a DER OCSP request.")
    return _respond(request_der, services.ocsp_response_for, OCSP_RESPONSE_TYPE)


@csrf_exempt
@require_POST
def tsa(request: HttpRequest) -> HttpResponse:
    return _answer(request, TSA_QUERY_TYPE, services.timestamp_response_for, TSA_REPLY_TYPE)


def _answer(
    request: HttpRequest,
    expected_type: str,
    responder: Callable[[bytes], bytes],
    response_type: str,
) -> HttpResponse:
    if request.content_type != expected_type:
        return _plain(415, f"Send the request as {expected_type}.")
    if len(request.body) > MAX_PROTOCOL_REQUEST_BYTES:
        return _plain(413, f"Requests are limited to {MAX_PROTOCOL_REQUEST_BYTES} bytes.")
    return _respond(request.body, responder, response_type)


def _respond(
    request_der: bytes, responder: Callable[[bytes], bytes], response_type: str
) -> HttpResponse:
    try:
        return HttpResponse(responder(request_der), content_type=response_type)
    except MalformedRequestError as exc:
        return _plain(400, str(exc))
