from chitra.core.errors import DomainError


class PaymentError(DomainError):
    """A refused payment use case (wrong state, maker = checker, unknown cycle…)."""

    http_status = 409
