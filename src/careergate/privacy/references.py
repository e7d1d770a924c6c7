"""Numbers that name a document, an order or an article, not a person: an invoice's, a
purchase order's, a parcel's, a product's ("Invoice 2024-00317", "SKU 4006381333931",
"consignment 15503 2210 9984 71", "Job Reference 384219"). Their digits have a phone
number's or a postcode's shape; the label before them says what they are."""

from __future__ import annotations

import re

IDENTIFIER_LABEL_BEFORE = re.compile(
    r"(?i:\b(?:invoice|order|po|part|isbn|issn|sku|ean|gtin|upc|asin|consignment|tracking"
    r"|shipment|parcel|waybill|ref|reference|ticket|case|req|requisition|serial|batch|lot"
    r"|item|booking|receipt|claim|contract|build|incident|release|version|job\s+id|order\s+id"
    r"|rechnung|bestellung|auftrag|artikel|sendung|facture|commande|factura|pedido|referencia"
    r"|référence|kennziffer|iso|iec|din|soc)"
    r"(?:[\s-]*(?:no\.?|nos\.?|number|nr\.?|n[°º]|#|id))?[\s:#.,-]*(?:e\.g\.\s*)?)$"
)
"""An identifier's label right before a number ("Invoice ", "part no. ", "ISBN, e.g. ",
"Purchase order ", "Kennziffer: ")."""
