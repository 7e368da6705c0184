"""The OpenAPI document and a documentation page rendered from it on the server (no CDN,
no script: government intranets have no internet)."""

from __future__ import annotations

import json

from flask import Blueprint, jsonify, render_template

bp = Blueprint("api_docs", __name__, url_prefix="/api/v1")


def spec() -> dict:
    from portal.api.blueprint import api

    return api.spec.to_dict()


@bp.route("/openapi.json")
def openapi_json():
    return jsonify(spec())


@bp.route("/docs")
def docs():
    document = spec()
    operations = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            if method == "parameters":
                continue
            operations.append({"path": path, "method": method.upper(), "op": operation})
    return render_template("api/docs.html", spec=document, operations=operations,
                           as_json=lambda value: json.dumps(value, ensure_ascii=False,
                                                            indent=2))
