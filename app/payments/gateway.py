"""The payment service, through eopayment (Entr'ouvert): its backend built from the settings.

Pitchoun sends the family to the service's page with an amount and an order reference, and
learns the result from the service's notification, verified by eopayment (`response(...)`:
its `signed` flag). No card data ever reaches Pitchoun.

The `dummy` backend (development, demo, tests) goes to the simulated payment page served by
`app.payments.simulator`. eopayment 3.15 documents a `dummy_service_url` option but its
`request()` still builds the address from its module constant (the outside service,
unreachable here): `request_payment` therefore moves the address onto `dummy_service_url`
(tests/payments/test_online.py notices when the library starts honouring the option).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlsplit

import eopayment
from flask import current_app, has_request_context, url_for

# The PayFiP backends take the debt reference and the year as well as the order id.
_PAYFIP = ("tipi", "payfip_ws")
_KNOWN_ORIGINS = {"tipi": "https://www.payfip.gouv.fr", "payfip_ws": "https://www.payfip.gouv.fr"}


class PaymentUnavailable(Exception):
    """No backend configured, or the service refused to start a payment."""


def enabled() -> bool:
    kind = current_app.config.get("PAYMENT_BACKEND")
    return bool(kind) and (kind != "dummy" or bool(current_app.config.get("PAYMENT_SIMULATOR")))


def _external(endpoint: str) -> str:
    """An absolute address of ours given to the service: from PUBLIC_BASE_URL in production; from
    the request in development and tests (the simulator and the live test server's port)."""
    if current_app.config.get("PAYMENT_SIMULATOR") and has_request_context():
        return url_for(endpoint, _external=True)
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for(endpoint)


def options(with_urls: bool = True) -> dict:
    """The backend's options: the settings', plus our addresses when a payment starts (a
    notification is read without them, outside any request of the family)."""
    kind = current_app.config["PAYMENT_BACKEND"]
    result = dict(current_app.config.get("PAYMENT_OPTIONS") or {})
    if kind == "dummy":
        result.setdefault("origin", "Pitchoun – Grand Cahors")
    if with_urls:
        result.setdefault("normal_return_url", _external("payments.payment_return"))
        result.setdefault("automatic_return_url", _external("payments.notification"))
        if kind == "dummy" and current_app.config.get("PAYMENT_SIMULATOR"):
            result.setdefault("dummy_service_url", _external("payments_simulator.page"))
    return result


def backend(with_urls: bool = True) -> eopayment.Payment:
    kind = current_app.config.get("PAYMENT_BACKEND")
    if not kind:
        raise PaymentUnavailable("no payment backend configured")
    if kind == "dummy" and not current_app.config.get("PAYMENT_SIMULATOR"):
        # The dummy backend takes any "signed" parameter as a signature: never where money is real.
        raise PaymentUnavailable("the dummy backend only runs with the simulated payment page (development)")
    return eopayment.Payment(kind, options(with_urls))


@dataclass(frozen=True)
class Started:
    bank_transaction_id: str
    url: str


def request_payment(amount: Decimal, reference: str, email: str, subject: str) -> Started:
    """Ask the service for a payment page. Raises PaymentUnavailable."""
    kind = current_app.config.get("PAYMENT_BACKEND")
    payment = backend()
    extra = {}
    if kind in _PAYFIP:
        extra = {"refdet": reference, "exer": reference[:4], "objet": subject}
    try:
        transaction_id, data_kind, data = payment.request(amount, orderid=reference, email=email, subject=subject,
                                                         **extra)
    except Exception as error:  # noqa: BLE001 - every backend has its own exceptions
        raise PaymentUnavailable(str(error)) from error
    if data_kind != eopayment.URL:
        raise PaymentUnavailable(f"backend {kind} answers with a form, not an address")
    url = str(data)
    if kind == "dummy":
        url = _onto_dummy_service(url, payment.backend.dummy_service_url)
    return Started(str(transaction_id), url)


def _onto_dummy_service(url: str, service_url: str) -> str:
    from eopayment.dummy import SERVICE_URL

    if service_url and url.startswith(SERVICE_URL + "?"):
        return service_url + url[len(SERVICE_URL):]
    return url


def parse_response(query_string: str):
    """eopayment's verified reading of a notification or a return (PaymentResponse).
    Raises ValueError when it cannot be read."""
    try:
        return backend(with_urls=False).response(query_string)
    except PaymentUnavailable:
        raise
    except Exception as error:  # noqa: BLE001 - eopayment.ResponseError and backend errors
        raise ValueError(str(error)) from error


def form_action_origins() -> list[str]:
    """Origins a pay form may lead to (CSP form-action), besides 'self'."""
    kind = current_app.config.get("PAYMENT_BACKEND") or ""
    origins = list(current_app.config.get("PAYMENT_SERVICE_ORIGINS") or [])
    if kind in _KNOWN_ORIGINS:
        origins.append(_KNOWN_ORIGINS[kind])
    if kind == "dummy" and not current_app.config.get("PAYMENT_SIMULATOR"):
        parts = urlsplit((current_app.config.get("PAYMENT_OPTIONS") or {}).get("dummy_service_url") or "")
        if parts.scheme and parts.netloc:
            origins.append(f"{parts.scheme}://{parts.netloc}")
    return origins
