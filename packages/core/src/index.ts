// Domain logic (token ledger, key vault, extraction pipeline) lands here; see the issues
// "Token ledger…" and "Extraction pipeline…". It depends on @invoicegw/db only.
export {};
