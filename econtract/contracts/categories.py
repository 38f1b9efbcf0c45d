"""Contract categories, and the ones the law keeps off electronic signatures (DESIGN.md §9).

Electronic Signature Law Art. 3 (as amended 2019) excludes documents on personal relations
(marriage, adoption, inheritance) and on stopping water, heat or gas supply, among others the law
names. The excluded list is read from ``settings.CONTRACT_EXCLUDED_CATEGORIES`` at each check, so
a later amendment of the law is a settings change, not a code change.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from econtract.errors import BusinessRuleViolation


class Category(models.TextChoices):
    """What the offeror states the contract is; the first eight may be concluded here."""

    SALE = "sale", gettext_lazy("sale")  # 买卖合同
    LEASE = "lease", gettext_lazy("lease")  # 租赁合同
    SERVICE = "service", gettext_lazy("service")  # 服务合同
    TECHNOLOGY = "technology", gettext_lazy("technology")  # 技术合同
    LOAN = "loan", gettext_lazy("loan")  # 借款合同
    EMPLOYMENT = "employment", gettext_lazy("employment")  # 劳动合同
    CONSTRUCTION = "construction", gettext_lazy("construction")  # 建设工程合同
    OTHER = "other", gettext_lazy("other")  # 其他
    # Art. 3 exclusions: named so a refusal can say why, never accepted at creation.
    PERSONAL_STATUS = "personal_status", gettext_lazy("marriage, adoption, inheritance")
    UTILITY_SUSPENSION = "utility_suspension", gettext_lazy("stopping water, heat or gas supply")


def excluded_categories() -> frozenset[str]:
    """The configured exclusions (``CONTRACT_EXCLUDED_CATEGORIES``), read at each call."""
    return frozenset(settings.CONTRACT_EXCLUDED_CATEGORIES)


def allowed_categories() -> list[str]:
    """The categories an offeror may choose today, in declaration order."""
    excluded = excluded_categories()
    return [value for value in Category.values if value not in excluded]


def check_category(category: str) -> None:
    """Refuse a category that is unknown or excluded from electronic conclusion (Art. 3)."""
    if category in excluded_categories():
        raise BusinessRuleViolation(
            "category_excluded",
            _(
                "A contract of this category (%(category)s) cannot be concluded electronically "
                "(Electronic Signature Law of the PRC, Art. 3: documents on personal relations "
                "such as marriage, adoption and inheritance, on stopping water, heat or gas "
                "supply, and others the law excludes)."
            )
            % {"category": category},
            fields={"category": [category]},
        )
    if category not in Category.values:
        raise BusinessRuleViolation(
            "invalid",
            _("Unknown contract category: %(category)s.") % {"category": category},
            fields={"category": [category]},
        )
