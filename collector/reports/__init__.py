"""Reports the department hands in: built from the store (``build``), then rendered as a
terminal table, CSV, XLSX, printable HTML or PDF in a calendar and a language
(``render``)."""
