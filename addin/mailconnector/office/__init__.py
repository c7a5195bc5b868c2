"""Office.js access: `bridge` (the only module that touches Office), `item_data` (JS objects to
plain data and the snapshot), `errors` (typed Office failures)."""
