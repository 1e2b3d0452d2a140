"""A host app outside the checkout, for the packaging test: the installed wheel, nothing else."""

import os

from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from ivr_module import IVRModule

app = Flask("installed_host")
app.config.update(
    SECRET_KEY="installed-host-secret-key-0123456789abcdef",
    SQLALCHEMY_DATABASE_URI=os.environ["HOST_DATABASE_URL"],
    IVR_USERNAME="vendor",
    IVR_PASSWORD="vendor-password",
    CHECKOUT_API_TOKEN="shop-token",
    IVR_API_URL_PREFIX="/shop/ivr-api",
)
db = SQLAlchemy(app)
IVRModule(app, db=db)
