from django.core.management.base import BaseCommand

from chitra.core import reference_data
from chitra.core.models import AdminUnit, PaymentProvider


class Command(BaseCommand):
    help = "Nạp đơn vị hành chính và ngân hàng/ví điện tử từ tệp dữ liệu / Load reference data"

    def handle(self, *args: object, **options: object) -> None:
        units, providers = reference_data.load(AdminUnit, PaymentProvider)
        self.stdout.write(f"Đã nạp / loaded: {units} đơn vị hành chính, {providers} ngân hàng/ví")
