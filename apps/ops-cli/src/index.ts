// The `ocr-ops` binary lands here, built on @invoicegw/client (issue "Typed client and ops CLI…").
export {};
