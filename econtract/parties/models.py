from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A platform account. A registered party (person or organisation) is bound to one later (§7).

    The phone number receives SMS codes (authentication, certificate applications); the
    preferred language picks the language of notices sent to this account.
    """

    class Language(models.TextChoices):
        ZH_HANS = "zh-hans", _("简体中文")
        EN = "en", _("English")

    phone = models.CharField(_("phone"), max_length=20, blank=True, db_index=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=Language.choices, default=Language.ZH_HANS
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
