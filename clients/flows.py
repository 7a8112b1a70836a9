"""The collection's "Flows" folder: a whole purchase as ordered requests with test scripts.

admin signs in → creates a seller and a courier → the seller signs in and adds a product with
stock → a customer registers and signs in → browses and searches the catalogue → adds the
product to the cart → checks out (with an `Idempotency-Key`) → views the order → finds the
shipment → tracks it by its tracking number, anonymously.

Steps whose outcome arrives asynchronously (the product's stock reaching inventory through
the outbox, the shipment created by the checkout saga) are polled: the request runs again,
100 ms apart, until its condition holds or 200 tries have passed, and then its test decides.
Every user is new for each run (emails from `{{$timestamp}}` and a guid; a random password),
so the folder can run again and again against the same stack.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

POLL_TRIES = 200
POLL_INTERVAL_MS = 100
ADDRESS = {
    "name": "Postman Buyer",
    "line1": "1 Flow Street",
    "city": "Alexandria",
    "country": "EG",
    "phone": "+20 100 000 0000",
    "zone": "north",
}

FIRST_STEP_PRE_REQUEST = """\
// One run's names: unique per run, so the folder can run many times against one stack.
const stamp = pm.variables.replaceIn("{{$timestamp}}");
const tag = pm.variables.replaceIn("{{$guid}}").replace(/-/g, "").slice(0, 10);
pm.environment.set("run_id", `${stamp}-${tag}`);
pm.environment.set("search_word", `flow${tag}`);
pm.environment.set("flow_password", pm.variables.replaceIn("{{$guid}}"));
pm.environment.unset("poll_tries");
"""

POLL_PRE_REQUEST = f"""\
// A repeated try waits a little first (the sandbox finishes once its timers have run).
if (Number(pm.environment.get("poll_tries") || 0) > 0) {{
    setTimeout(() => {{}}, {POLL_INTERVAL_MS});
}}
"""


def status_test(status: int) -> str:
    return f'pm.test("answers {status}", () => {{ pm.response.to.have.status({status}); }});\n'


def poll_test(condition: str, what: str, then: str = "") -> str:
    """Run this request again until `condition` (a JS expression) holds, then test it."""
    return f"""\
const tries = Number(pm.environment.get("poll_tries") || 0);
const ready = (() => {{
    try {{
        return Boolean({condition});
    }} catch (error) {{
        return false;
    }}
}})();
if (!ready && tries < {POLL_TRIES}) {{
    pm.environment.set("poll_tries", tries + 1);
    pm.execution.setNextRequest(pm.info.requestId);
}} else {{
    pm.environment.unset("poll_tries");
    pm.test({json.dumps(what)}, () => {{
        pm.expect(ready, {json.dumps(what + " within the polling limit")}).to.be.true;
    }});
    if (ready) {{
{_indent(then, 8)}    }}
}}
"""


def _indent(text: str, spaces: int) -> str:
    return "".join(" " * spaces + line + "\n" for line in text.splitlines())


def sign_in_test(token_variable: str) -> str:
    return status_test(200) + (
        "const signedIn = pm.response.json();\n"
        'pm.test("hands out an access token", () => {\n'
        '    pm.expect(signedIn.access_token).to.be.a("string").and.not.empty;\n'
        '    pm.expect(signedIn.token_type).to.eql("Bearer");\n'
        "});\n"
        f'pm.environment.set("{token_variable}", signedIn.access_token);\n'
    )


def staff_test(role: str) -> str:
    return status_test(201) + (
        "const created = pm.response.json();\n"
        f'pm.test("creates a {role}", () => {{\n'
        '    pm.expect(created.user_id).to.be.a("string").and.not.empty;\n'
        "});\n"
        f'pm.environment.set("{role}_id", created.user_id);\n'
    )


STEPS: list[dict[str, Any]] = [
    {
        "name": "Admin signs in",
        "method": "POST",
        "path": "/api/auth/login",
        "body": {"email": "{{admin_email}}", "password": "{{admin_password}}"},
        "pre": FIRST_STEP_PRE_REQUEST,
        "test": sign_in_test("admin_token"),
    },
    {
        "name": "Admin creates a seller",
        "method": "POST",
        "path": "/api/auth/users",
        "token": "admin_token",
        "body": {
            "email": "flow-seller-{{run_id}}@example.com",
            "password": "{{flow_password}}",
            "name": "Flow Seller",
            "role": "seller",
            "shop_name": "Flow shop {{run_id}}",
        },
        "test": staff_test("seller"),
    },
    {
        "name": "Admin creates a courier",
        "method": "POST",
        "path": "/api/auth/users",
        "token": "admin_token",
        "body": {
            "email": "flow-courier-{{run_id}}@example.com",
            "password": "{{flow_password}}",
            "name": "Flow Courier",
            "role": "courier",
            "zone": "north",
        },
        "test": staff_test("courier"),
    },
    {
        "name": "Seller signs in",
        "method": "POST",
        "path": "/api/auth/login",
        "body": {"email": "flow-seller-{{run_id}}@example.com", "password": "{{flow_password}}"},
        "test": sign_in_test("seller_token"),
    },
    {
        "name": "Seller adds a product with stock",
        "method": "POST",
        "path": "/api/products",
        "token": "seller_token",
        "body": {
            "name": "Brass lamp {{search_word}}",
            "description": "A lamp listed by the Postman flow",
            "price": "30.00",
            "stock": 20,
            "category": "lighting",
        },
        "test": status_test(201)
        + (
            "const product = pm.response.json();\n"
            'pm.test("is the seller\'s new product", () => {\n'
            '    pm.expect(product.id).to.be.a("string").and.not.empty;\n'
            '    pm.expect(product.price).to.eql("30.00");\n'
            "});\n"
            'pm.environment.set("product_id", product.id);\n'
        ),
    },
    {
        "name": "Seller sees the stock in inventory",
        "method": "GET",
        "path": "/api/inventory/{{product_id}}",
        "token": "seller_token",
        "pre": POLL_PRE_REQUEST,
        "test": poll_test(
            "pm.response.code === 200 && pm.response.json().available === 20",
            "inventory holds the opening stock of 20",
        ),
    },
    {
        "name": "Customer registers",
        "method": "POST",
        "path": "/api/auth/register",
        "body": {
            "email": "flow-customer-{{run_id}}@example.com",
            "password": "{{flow_password}}",
            "name": "Flow Customer",
        },
        "test": status_test(201)
        + (
            'pm.test("registers a customer", () => {\n'
            '    pm.expect(pm.response.json().role).to.eql("customer");\n'
            "});\n"
        ),
    },
    {
        "name": "Customer signs in",
        "method": "POST",
        "path": "/api/auth/login",
        "body": {
            "email": "flow-customer-{{run_id}}@example.com",
            "password": "{{flow_password}}",
        },
        "test": sign_in_test("customer_token"),
    },
    {
        "name": "Customer browses the newest products",
        "method": "GET",
        "path": "/api/products?sort=newest&per_page=20",
        "test": status_test(200)
        + (
            "const page = pm.response.json();\n"
            'pm.test("is a page of products", () => {\n'
            '    pm.expect(page.items).to.be.an("array");\n'
            "    pm.expect(page.page).to.eql(1);\n"
            '    pm.expect(page.total).to.be.a("number");\n'
            "});\n"
        ),
    },
    {
        "name": "Customer searches the catalogue",
        "method": "GET",
        "path": "/api/products?q={{search_word}}",
        "pre": POLL_PRE_REQUEST,
        "test": poll_test(
            "pm.response.code === 200 && pm.response.json().items.some("
            '(item) => item.id === pm.environment.get("product_id"))',
            "the search finds the new product",
        ),
    },
    {
        "name": "Customer views the product",
        "method": "GET",
        "path": "/api/products/{{product_id}}",
        "test": status_test(200)
        + (
            "const product = pm.response.json();\n"
            'pm.test("shows its price and seller", () => {\n'
            '    pm.expect(product.id).to.eql(pm.environment.get("product_id"));\n'
            '    pm.expect(product.effective_price).to.eql("30.00");\n'
            '    pm.expect(product.seller_id).to.eql(pm.environment.get("seller_id"));\n'
            "});\n"
        ),
    },
    {
        "name": "Customer adds two to the cart",
        "method": "POST",
        "path": "/api/cart",
        "token": "customer_token",
        "body": {"product_id": "{{product_id}}", "quantity": 2},
        "test": status_test(201),
    },
    {
        "name": "Customer views the cart",
        "method": "GET",
        "path": "/api/cart",
        "token": "customer_token",
        "test": status_test(200)
        + (
            "const cart = pm.response.json();\n"
            'pm.test("holds the two lamps", () => {\n'
            "    pm.expect(cart.items).to.have.lengthOf(1);\n"
            "    pm.expect(cart.items[0].quantity).to.eql(2);\n"
            '    pm.expect(cart.subtotal).to.eql("60.00");\n'
            "});\n"
        ),
    },
    {
        "name": "Customer checks out",
        "method": "POST",
        "path": "/api/orders",
        "token": "customer_token",
        "headers": {"Idempotency-Key": "{{$guid}}"},
        "body": {"shipping_address": ADDRESS, "shipping_method": "standard"},
        "test": status_test(201)
        + (
            "const order = pm.response.json();\n"
            'pm.test("places a paid order", () => {\n'
            '    pm.expect(order.status).to.eql("paid");\n'
            '    pm.expect(order.order_id).to.be.a("string").and.not.empty;\n'
            "});\n"
            'pm.environment.set("order_id", order.order_id);\n'
            'pm.environment.set("order_total", order.total);\n'
        ),
    },
    {
        "name": "Customer views the order",
        "method": "GET",
        "path": "/api/orders/{{order_id}}",
        "token": "customer_token",
        "test": status_test(200)
        + (
            "const order = pm.response.json();\n"
            'pm.test("shows the lines and the total", () => {\n'
            '    pm.expect(order.order_id).to.eql(pm.environment.get("order_id"));\n'
            '    pm.expect(order.status).to.eql("paid");\n'
            "    pm.expect(order.items).to.have.lengthOf(1);\n"
            "    pm.expect(order.items[0].quantity).to.eql(2);\n"
            '    pm.expect(order.subtotal).to.eql("60.00");\n'
            '    pm.expect(order.total).to.eql(pm.environment.get("order_total"));\n'
            "});\n"
        ),
    },
    {
        "name": "Customer finds the order's shipment",
        "method": "GET",
        "path": "/api/shipping/shipments?order_id={{order_id}}",
        "token": "customer_token",
        "pre": POLL_PRE_REQUEST,
        "test": poll_test(
            "pm.response.code === 200 && pm.response.json().items.length === 1",
            "the checkout created one shipment",
            'pm.environment.set("shipment_id", pm.response.json().items[0].id);\n'
            'pm.environment.set("tracking_number", pm.response.json().items[0].tracking_number);\n',
        ),
    },
    {
        "name": "Anyone tracks the shipment by its number",
        "method": "GET",
        "path": "/api/shipping/track/{{tracking_number}}",
        "test": status_test(200)
        + (
            "const tracked = pm.response.json();\n"
            'pm.test("shows the status and steps, no personal details", () => {\n'
            '    pm.expect(tracked.tracking_number).to.eql(pm.environment.get("tracking_number"));\n'
            '    pm.expect(tracked.status).to.eql("pending");\n'
            '    pm.expect(tracked.events).to.be.an("array");\n'
            '    pm.expect(pm.response.text()).to.not.include("Postman Buyer");\n'
            '    pm.expect(pm.response.text()).to.not.include("Flow Street");\n'
            "});\n"
        ),
    },
]


def bearer(variable: str) -> dict[str, Any]:
    """Postman's bearer auth with the token in `{{variable}}`."""
    return {"type": "bearer", "bearer": [{"key": "token", "value": f"{{{{{variable}}}}}"}]}


def json_body(value: Any) -> dict[str, Any]:
    return {
        "mode": "raw",
        "raw": json.dumps(value, indent=2, ensure_ascii=False),
        "options": {"raw": {"language": "json"}},
    }


def flows_folder(stable_id: Callable[..., str]) -> dict[str, Any]:
    return {
        "name": "Flows",
        "id": stable_id("folder", "Flows"),
        "description": (__doc__ or "").strip(),
        "item": [flow_item(step, stable_id) for step in STEPS],
    }


def flow_item(step: dict[str, Any], stable_id: Callable[..., str]) -> dict[str, Any]:
    path, _, query = step["path"].partition("?")
    segments = path.strip("/").split("/")
    url: dict[str, Any] = {
        "raw": "{{base_url}}" + step["path"],
        "host": ["{{base_url}}"],
        "path": segments,
    }
    if query:
        url["query"] = [
            {"key": key, "value": value}
            for key, _, value in (pair.partition("=") for pair in query.split("&"))
        ]
    headers = [{"key": key, "value": value} for key, value in step.get("headers", {}).items()]
    request: dict[str, Any] = {
        "method": step["method"],
        "header": headers,
        "url": url,
        "auth": bearer(step["token"]) if "token" in step else {"type": "noauth"},
    }
    if "body" in step:
        headers.append({"key": "Content-Type", "value": "application/json"})
        request["body"] = json_body(step["body"])
    events = []
    for listen, key in (("prerequest", "pre"), ("test", "test")):
        if key in step:
            events.append(
                {
                    "listen": listen,
                    "script": {
                        "id": stable_id("flow", step["name"], listen),
                        "type": "text/javascript",
                        "exec": step[key].splitlines(),
                    },
                }
            )
    return {
        "name": step["name"],
        "id": stable_id("flow", step["name"]),
        "event": events,
        "request": request,
        "response": [],
    }
