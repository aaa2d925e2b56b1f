#!/usr/bin/env python3
"""The deployment checklist over REST, as a non-TypeScript caller does it.

Standard library only. It knows the gateway's address, the admin key (IGW_ADMIN_KEY) and a
PDF, nothing else: every path, method, field and auth header comes from /openapi.json, found
by operationId, and every answer is checked against the document (its status must be listed,
its body must fit the schema for that status).

    IGW_ADMIN_KEY=... python3 checklist_over_rest.py http://127.0.0.1:8000 invoice.pdf NT047

Prints one JSON line per step and a final {"ok": true, ...}; exits 1 on the first mismatch.
"""

import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid


class Mismatch(Exception):
    pass


def resolve(doc, schema):
    while isinstance(schema, dict) and "$ref" in schema:
        node = doc
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        schema = node
    return schema


def check(doc, schema, value, where):
    """The subset of JSON Schema the document uses: enough to catch a wrong shape."""
    schema = resolve(doc, schema)
    if not isinstance(schema, dict):
        return
    for part in schema.get("allOf", []):
        check(doc, part, value, where)
    if "anyOf" in schema:
        errors = []
        for part in schema["anyOf"]:
            try:
                check(doc, part, value, where)
                break
            except Mismatch as error:
                errors.append(str(error))
        else:
            raise Mismatch(f"{where}: matches none of anyOf ({'; '.join(errors)})")
    if "const" in schema and value != schema["const"]:
        raise Mismatch(f"{where}: {value!r} is not {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        raise Mismatch(f"{where}: {value!r} is not one of {schema['enum']}")
    kinds = schema.get("type")
    if kinds is not None:
        kinds = kinds if isinstance(kinds, list) else [kinds]
        python = {
            "object": dict,
            "array": list,
            "string": str,
            "boolean": bool,
            "null": type(None),
        }
        fits = any(
            (k == "integer" and isinstance(value, int) and not isinstance(value, bool))
            or (k == "number" and isinstance(value, (int, float)) and not isinstance(value, bool))
            or (k in python and isinstance(value, python[k]))
            for k in kinds
        )
        if not fits:
            raise Mismatch(f"{where}: {type(value).__name__} where the document says {kinds}")
    if isinstance(value, dict):
        for name in schema.get("required", []):
            if name not in value:
                raise Mismatch(f"{where}: missing {name}")
        properties = schema.get("properties", {})
        for name, item in value.items():
            if name in properties:
                check(doc, properties[name], item, f"{where}.{name}")
            elif schema.get("additionalProperties") is False:
                raise Mismatch(f"{where}: {name} is not in the document")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            check(doc, schema["items"], item, f"{where}[{i}]")


class Gateway:
    def __init__(self, base, admin_key):
        self.base = base.rstrip("/")
        self.admin_key = admin_key
        self.doc = self._get_json("/openapi.json")
        self.operations = {
            op["operationId"]: (path, method, op)
            for path, ops in self.doc["paths"].items()
            for method, op in ops.items()
            if "operationId" in op
        }

    def _get_json(self, path):
        with urllib.request.urlopen(self.base + path, timeout=30) as res:
            return json.load(res)

    def _auth_headers(self, op):
        """The admin key, sent the way the operation's first security scheme says."""
        for requirement in op.get("security", []):
            for name in requirement:
                scheme = self.doc["components"]["securitySchemes"][name]
                if scheme["type"] == "http" and scheme["scheme"] == "bearer":
                    return {"Authorization": f"Bearer {self.admin_key}"}
                if scheme["type"] == "apiKey" and scheme["in"] == "header":
                    return {scheme["name"]: self.admin_key}
        return {}

    def call(self, operation_id, params=None, query=None, body=None, form=None, authenticate=True):
        path, method, op = self.operations[operation_id]
        params = params or {}
        for parameter in op.get("parameters", []):
            parameter = resolve(self.doc, parameter)
            if parameter["in"] == "path":
                path = path.replace("{%s}" % parameter["name"], urllib.parse.quote(str(params[parameter["name"]])))
        url = self.base + path
        if query:
            url += "?" + urllib.parse.urlencode(query, doseq=True)
        headers = {"X-Request-Id": f"python-{operation_id}"}
        if authenticate:
            headers.update(self._auth_headers(op))
        data = None
        if body is not None:
            assert "application/json" in op["requestBody"]["content"], operation_id
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if form is not None:
            assert "multipart/form-data" in op["requestBody"]["content"], operation_id
            boundary = uuid.uuid4().hex
            data = multipart(form, boundary)
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        request = urllib.request.Request(url, data=data, method=method.upper(), headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as res:
                status, raw, answered = res.status, res.read(), res.headers
        except urllib.error.HTTPError as error:
            status, raw, answered = error.code, error.read(), error.headers
        response = op["responses"].get(str(status))
        if response is None:
            raise Mismatch(f"{operation_id} answered {status}, which the document does not list")
        response = resolve(self.doc, response)
        for name, header in response.get("headers", {}).items():
            if resolve(self.doc, header).get("required") and answered.get(name) is None:
                raise Mismatch(f"{operation_id} {status}: no {name} header")
        value = json.loads(raw)
        check(self.doc, response["content"]["application/json"]["schema"], value, f"{operation_id} {status}")
        return status, value, answered

    def upload_fields(self, operation_id):
        _, _, op = self.operations[operation_id]
        return resolve(self.doc, op["requestBody"]["content"]["multipart/form-data"]["schema"])


def multipart(fields, boundary):
    out = b""
    for name, value in fields.items():
        out += f"--{boundary}\r\n".encode()
        if isinstance(value, tuple):
            filename, content_type, content = value
            out += (
                f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: {content_type}\r\n\r\n"
            ).encode() + content + b"\r\n"
        else:
            out += f'Content-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    return out + f"--{boundary}--\r\n".encode()


def step(name, **facts):
    print(json.dumps({"step": name, **facts}), flush=True)


def main():
    base, pdf_path, company = sys.argv[1], sys.argv[2], sys.argv[3]
    gw = Gateway(base, os.environ["IGW_ADMIN_KEY"])

    status, health, _ = gw.call("monitoring.health", authenticate=False)
    step("health", status=status, health=health["status"])

    # The key's fields as the document requires them.
    _, _, add_op = gw.operations["tokens.add"]
    add_schema = resolve(gw.doc, add_op["requestBody"]["content"]["application/json"]["schema"])
    assert {"companyId", "apiKey"} <= set(add_schema["required"]), add_schema["required"]
    key = "AIzaFAKE-python-" + "x" * 19
    status, token, _ = gw.call("tokens.add", body={"companyId": company, "apiKey": key, "totalTokenLimit": 200000})
    if status != 200:
        raise Mismatch(f"tokens.add answered {status}: {token}")
    step("add key", status=status, tokenId=token["tokenId"], keyHint=token["keyHint"])

    upload = gw.upload_fields("extract")
    company_field = next(name for name in upload["required"] if name != "file")
    with open(pdf_path, "rb") as f:
        pdf = f.read()
    status, result, headers = gw.call(
        "extract",
        form={company_field: company, "username": "python", "file": ("invoice.pdf", "application/pdf", pdf)},
        authenticate=False,
    )
    if status != 200:
        raise Mismatch(f"extract answered {status}: {result}")
    step(
        "extract",
        status=status,
        invoiceNo=result["data"]["invoice_no"],
        products=len(result["data"]["products"]),
        totalTokens=result["usage"]["totalTokens"],
        requestId=headers.get("X-Request-Id"),
        clientRequestId=headers.get("X-Client-Request-Id"),
    )

    status, rows, _ = gw.call("monitoring.tokenStatus", query={"companyId": company})
    row = next(r for r in rows if r["tokenId"] == token["tokenId"])
    step("token status", status=status, used=row["totalUsedTokens"], requests=row["requestCount"], health=row["health"])

    status, usage, _ = gw.call("monitoring.usage", query={"groupBy": "company", "companyId": company})
    step("usage", status=status, requests=sum(u["requests"] for u in usage), totalTokens=sum(u["totalTokens"] for u in usage))

    status, error, _ = gw.call("tokens.get", params={"tokenId": 999999})
    step("missing key", status=status, code=error["code"])

    status, refused, _ = gw.call("tokens.list", authenticate=False)
    step("no admin key", status=status, code=refused["code"])

    print(json.dumps({"ok": True}), flush=True)


if __name__ == "__main__":
    try:
        main()
    except Mismatch as error:
        print(json.dumps({"ok": False, "mismatch": str(error)}), flush=True)
        sys.exit(1)
