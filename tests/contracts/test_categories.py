"""Electronic Signature Law Art. 3: excluded categories are refused, and the list is settings."""

from __future__ import annotations

import pytest
from pytest_django import Settings

from econtract.api.errors import http_status_of
from econtract.contracts.categories import Category, allowed_categories, check_category
from econtract.errors import BusinessRuleViolation


@pytest.mark.parametrize("category", ["personal_status", "utility_suspension"])
def test_the_law_s_exclusions_are_refused_citing_article_3(category: str) -> None:
    with pytest.raises(BusinessRuleViolation) as refused:
        check_category(category)

    assert refused.value.code == "category_excluded"
    assert http_status_of(refused.value) == 422
    assert "电子签名法》第三条" in refused.value.message  # Chinese is the default language
    assert refused.value.fields == {"category": [category]}


@pytest.mark.parametrize(
    "category", ["sale", "lease", "service", "technology", "loan", "employment", "construction"]
)
def test_ordinary_categories_are_accepted(category: str) -> None:
    check_category(category)


def test_an_unknown_category_is_refused_as_invalid() -> None:
    with pytest.raises(BusinessRuleViolation) as refused:
        check_category("gambling")

    assert refused.value.code == "invalid"


def test_a_settings_change_amends_the_excluded_list(settings: Settings) -> None:
    settings.CONTRACT_EXCLUDED_CATEGORIES = ["utility_suspension", "lease"]

    check_category("personal_status")
    with pytest.raises(BusinessRuleViolation, match="第三条"):
        check_category("lease")
    assert "lease" not in allowed_categories()
    assert "personal_status" in allowed_categories()


def test_the_offeror_chooses_among_the_eight_allowed_categories_by_default() -> None:
    assert allowed_categories() == [
        Category.SALE,
        Category.LEASE,
        Category.SERVICE,
        Category.TECHNOLOGY,
        Category.LOAN,
        Category.EMPLOYMENT,
        Category.CONSTRUCTION,
        Category.OTHER,
    ]


def test_the_refusal_is_explained_in_english_for_english_users() -> None:
    from django.utils import translation

    with translation.override("en"), pytest.raises(BusinessRuleViolation) as refused:
        check_category("personal_status")
    assert "Electronic Signature Law of the PRC, Art. 3" in refused.value.message
