"""asn1crypto's class tables, built once before any thread parses.

asn1crypto builds a class's tables the first time the class is used, in two steps: an empty
``_reverse_map`` (and field maps) set on the class, then filled. A second thread parsing the
same kind of value in between reads the empty table — ``asn1crypto.x509.Version value, v1, is
not present in the _map`` — so two requests parsing their first certificates at once (gunicorn's
threads, the PKI event loop beside a request) could fail. Constructing each class once at import,
while the process has one thread, builds every table before anyone races for it (about 65 ms).
"""

from __future__ import annotations

from asn1crypto import algos, cms, core, crl, csr, keys, ocsp, pdf, tsp, x509

MODULES = (core, algos, keys, x509, crl, csr, ocsp, cms, tsp, pdf)


def asn1_classes() -> list[type[core.Asn1Value]]:
    """Every value class of the asn1crypto modules pyHanko and the platform parse with."""
    found: dict[type[core.Asn1Value], None] = {}
    for module in MODULES:
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, core.Asn1Value):
                found[value] = None
    return list(found)


def set_up_asn1crypto() -> None:
    for cls in asn1_classes():
        try:
            cls()  # the first construction of a class builds its tables (core._SETUP_CLASSES)
        except TypeError:
            continue  # an abstract class (core.Choice): its subclasses are set up instead
