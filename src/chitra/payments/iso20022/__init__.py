"""ISO 20022 files for payments: the pain.001 writer, the pain.002 and camt.054 readers.

Pure Python and lxml — nothing here imports Django (an import-linter contract keeps it so);
the payments services translate between these values and the models.
"""

from chitra.payments.iso20022.camt054 import Notification, read_camt054
from chitra.payments.iso20022.errors import Iso20022Error, Pain001Error
from chitra.payments.iso20022.ids import end_to_end_id, msg_id, parse_end_to_end_id
from chitra.payments.iso20022.pain001 import CreditTransfer, Debtor, FileHeader, write_pain001
from chitra.payments.iso20022.pain002 import StatusLine, read_pain002
from chitra.payments.iso20022.safe_xml import DEFAULT_MAX_BYTES

__all__ = [
    "DEFAULT_MAX_BYTES",
    "CreditTransfer",
    "Debtor",
    "FileHeader",
    "Iso20022Error",
    "Notification",
    "Pain001Error",
    "StatusLine",
    "end_to_end_id",
    "msg_id",
    "parse_end_to_end_id",
    "read_camt054",
    "read_pain002",
    "write_pain001",
]
