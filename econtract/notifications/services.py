"""Sending notices: the inbox entry now, e-mail and SMS by Celery after the commit.

``notify`` is what every process calls for each notice of ``spec/notices.csv``. The inbox entry is
written in the caller's transaction, so a notice exists exactly when the change it reports does;
its ``delivered_at`` is the receipt time of law Art. 11 (the notice entered the party's designated
system). E-mail and SMS are queued only after the commit and retried by the task.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import models, transaction
from django.utils import timezone

from econtract import queue
from econtract.errors import BusinessRuleViolation
from econtract.evidence.services import object_label
from econtract.notifications import sms
from econtract.notifications.kinds import NoticeKind, get_kind
from econtract.notifications.links import notice_link, object_context
from econtract.notifications.models import Channel, Delivery, Notification
from econtract.notifications.rendering import render_notice

if TYPE_CHECKING:
    from econtract.parties.models import User

logger = logging.getLogger(__name__)

# What a channel raises when the message could not be handed over (smtplib's errors are
# OSErrors); anything else is a bug and must not be retried as if the network were at fault.
CHANNEL_ERRORS: tuple[type[Exception], ...] = (OSError, sms.SMSDeliveryError)


def notify(
    *,
    recipient: User,
    kind: str,
    context: Mapping[str, Any],
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    channels: Sequence[str] | None = None,
) -> Notification:
    """Put a notice of ``kind`` in ``recipient``'s inbox and queue its e-mail and SMS.

    ``channels`` defaults to the kind's; the inbox is always one of them (it is the party's
    designated system). A channel the account has no address for (no e-mail, no phone) is left
    out. The notice links to ``context["link"]``, or to the page its object or kind names
    (``links.notice_link``): every notice asking for an action carries its link. The notice
    concerns ``obj``, or the object named by ``object_type``/``object_id``
    (as in the evidence log). Call it inside the transaction of the change the notice reports.
    """
    notice_kind = get_kind(kind)
    wanted = _channels(channels if channels is not None else notice_kind.channels)
    link, full_context = notice_context(
        notice_kind, context, obj=obj, recipient_name=_display_name(recipient)
    )
    rendered = render_notice(
        kind=notice_kind, language=recipient.preferred_language, context=full_context
    )
    now = timezone.now()
    notification = Notification.objects.create(
        recipient=recipient,
        kind=notice_kind.code,
        step=notice_kind.step,
        language=rendered.language,
        title=rendered.title[:255],
        body=rendered.body,
        body_html=rendered.body_html,
        link=link[:500],
        object_type=object_label(obj) if obj is not None else object_type,
        object_id=str(obj.pk) if obj is not None else object_id,
        created_at=now,
        delivered_at=now,
    )
    Delivery.objects.create(
        notification=notification,
        channel=Channel.INBOX,
        state=Delivery.State.SENT,
        attempts=1,
        sent_at=now,
    )
    for channel in wanted:
        address = _address(recipient, channel)
        if address:
            _queue(
                Delivery.objects.create(notification=notification, channel=channel, address=address)
            )
    return notification


def notice_context(
    kind: NoticeKind,
    context: Mapping[str, Any],
    *,
    obj: models.Model | None = None,
    recipient_name: str = "",
) -> tuple[str, dict[str, Any]]:
    """The notice's link and what its template is given: the recipient's name, the title and
    reference of the contract ``obj`` belongs to, the caller's context and the link."""
    link = notice_link(kind, context, obj)
    return link, {
        "recipient_name": recipient_name,
        **object_context(obj),
        **context,
        "link": link,
    }


def mark_read(*, notification: Notification, reader: User) -> Notification:
    """Record when the recipient first read the notice (law Art. 10); later reads change nothing."""
    if notification.recipient_id != reader.pk:
        # Another account's notice does not exist for the reader (API.md: 404, not 403).
        raise BusinessRuleViolation("not_found", "No such notification.")
    # One conditional UPDATE: two tabs marking it read at once keep the first time.
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    notification.refresh_from_db(fields=["read_at"])
    return notification


def attempt_delivery(*, delivery_id: int) -> Delivery:
    """Try once to send a pending e-mail or SMS delivery.

    Returns the delivery ``sent``, or still ``pending`` with ``last_error`` set for the caller to
    retry. The row stays locked while sending so that a redelivered task (acks_late after a
    worker loss) cannot send the same message twice at the same time.
    """
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("notification")
            .get(pk=delivery_id)
        )
        if delivery.state != Delivery.State.PENDING:
            return delivery
        delivery.attempts += 1
        try:
            _send(delivery)
        except CHANNEL_ERRORS as exc:
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            logger.warning(
                "delivery %s attempt %s failed: %s",
                delivery.pk,
                delivery.attempts,
                delivery.last_error,
            )
        else:
            delivery.state, delivery.sent_at, delivery.last_error = (
                Delivery.State.SENT,
                timezone.now(),
                "",
            )
        delivery.save(update_fields=["attempts", "state", "sent_at", "last_error"])
    return delivery


def give_up_delivery(*, delivery_id: int) -> Delivery:
    """Mark a delivery failed after its last retry; its ``last_error`` says why."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        if delivery.state == Delivery.State.PENDING:
            delivery.state = Delivery.State.FAILED
            delivery.save(update_fields=["state"])
    logger.error(
        "delivery %s failed after %s attempts: %s",
        delivery.pk,
        delivery.attempts,
        delivery.last_error,
    )
    return delivery


def _channels(requested: Sequence[str]) -> list[str]:
    unknown = set(requested) - set(Channel.values)
    if unknown:
        raise ValueError(f"unknown notification channels: {sorted(unknown)}")
    return [c for c in Channel.values if c in requested and c != Channel.INBOX]


def _address(recipient: User, channel: str) -> str:
    return recipient.email if channel == Channel.EMAIL else recipient.phone


def _display_name(user: User) -> str:
    return user.get_full_name() or user.get_username()


DELIVER_TASK = "econtract.notifications.tasks.deliver_notification"


def _queue(delivery: Delivery) -> None:
    queue.send_on_commit(DELIVER_TASK, delivery.pk)


def _send(delivery: Delivery) -> None:
    notification = delivery.notification
    if delivery.channel == Channel.EMAIL:
        send_email(
            address=delivery.address,
            title=notification.title,
            body=notification.body,
            body_html=notification.body_html,
        )
    elif delivery.channel == Channel.SMS:
        sms.send_sms(phone=delivery.address, text=_sms_text(notification))
    else:
        raise ValueError(f"channel {delivery.channel!r} is not sent by a task")


def send_to_addresses(
    *, kind: str, context: Mapping[str, Any], addresses: Sequence[str], sms_action: str
) -> list[str]:
    """A notice to someone who has no account yet (an invitation): rendered in the platform's
    language (nobody's preference is known before sign-up) and sent to each phone or e-mail
    address; an SMS is the title, ``sms_action`` and ``context["link"]``. The channels used."""
    notice = render_notice(kind=get_kind(kind), language=settings.LANGUAGE_CODE, context=context)
    used = []
    for address in addresses:
        if "@" in address:
            send_email(
                address=address, title=notice.title, body=notice.body, body_html=notice.body_html
            )
            used.append(Channel.EMAIL.value)
        elif address:
            text = f"【econtract】{notice.title}。{sms_action}：{context['link']}"
            if settings.LANGUAGE_CODE.lower() == "en":
                text = f"[econtract] {notice.title}. {sms_action}: {context['link']}"
            sms.send_sms(phone=address, text=text)
            used.append(Channel.SMS.value)
    return used


def send_email(*, address: str, title: str, body: str, body_html: str = "") -> None:
    """One e-mail of a rendered notice (``render_notice``): text, and HTML when there is some."""
    message = EmailMultiAlternatives(
        subject=title, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[address]
    )
    if body_html:
        message.attach_alternative(body_html, "text/html")
    message.send()


def _sms_text(notification: Notification) -> str:
    # An SMS says what happened and where to act (the notice's link) or read it; the full
    # text is in the inbox.
    where = notification.link or settings.PUBLIC_BASE_URL
    try:
        action = get_kind(notification.kind).action and bool(notification.link)
    except LookupError:
        action = False
    if notification.language == "en":
        return f"[econtract] {notification.title}. {'Open' if action else 'Details'}: {where}"
    return f"【econtract】{notification.title}。{'点击办理' if action else '详情'}：{where}"
