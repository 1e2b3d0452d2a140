"""The floor of the stack: same server and configuration as the hooks, same JSON body parsed,
a constant JSON answer, and nothing else. Served as `gunicorn -c gunicorn.conf.py bench.floor:app`."""

import json

from flask import Flask, Response, request

app = Flask(__name__)

ANSWER = json.dumps({"result": {"success": True, "errortext": ""}, "productlist": [], "orderprice": 0.0})


@app.post("/hooks/ivr/pre_order/")
def floor():
    """Parse the body as a hook would, answer a constant."""
    json.loads(request.get_data())
    return Response(ANSWER, mimetype="application/json")
