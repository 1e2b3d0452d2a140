"""A host shop app, as a shop that embeds ivr_module would have it.

It has its own models and Flask-SQLAlchemy `db`, its own Flask-Login `LoginManager` and login
page, its own Flask-Migrate migrations (Alembic's default version table), an HTML 404 page, an
`/api` blueprint of its own and its own SECRET_KEY. It embeds the module with the module's
pages under other prefixes, in one of the two admin login modes:

- "module": the module's own staff accounts and login page;
- "host": the host's login decides, through IVRModule's `staff_role` hook.
"""

from pathlib import Path

from flask import Blueprint, Flask, jsonify, redirect, request
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ivr_module import IVRModule

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SECRET_KEY = "the-host-shops-own-secret-key-0123456789"
PREFIXES = {
    "IVR_HOOKS_URL_PREFIX": "/vendor/ivr",
    "IVR_API_URL_PREFIX": "/payments/ivr-api",
    "IVR_ADMIN_URL": "/backoffice/ivr",
    "IVR_OPS_URL_PREFIX": "/ivr-ops",
}

db = SQLAlchemy()


class Product(db.Model):
    __tablename__ = "shop_products"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))


class Customer(UserMixin, db.Model):
    __tablename__ = "shop_customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(120), unique=True)
    # The host's own notion of staff: which IVR admin role (if any) this person has.
    ivr_role: Mapped[str | None] = mapped_column(String(16))


shop_api = Blueprint("shop_api", __name__, url_prefix="/api")


@shop_api.get("/products")
def products():
    return jsonify([product.name for product in db.session.scalars(db.select(Product))])


def ivr_staff_role():
    """The host's mapping of its logged-in user to an IVR admin role (None: no access)."""
    if not current_user.is_authenticated:
        return None
    return current_user.email, current_user.ivr_role


def create_host_app(database_url: str, login_mode: str = "module", **settings) -> Flask:
    app = Flask("host_shop")
    settings = {"SECRET_KEY": SECRET_KEY, **settings}
    app.config.update(
        SQLALCHEMY_DATABASE_URI=database_url,
        MAX_CONTENT_LENGTH=5 * 1024 * 1024,  # the host's own limit, for its own uploads
        **PREFIXES,
        **settings,
    )
    db.init_app(app)
    Migrate(app, db, directory=str(MIGRATIONS))
    login_manager = LoginManager(app)
    login_manager.login_view = "shop_login"
    login_manager.user_loader(lambda user_id: db.session.get(Customer, int(user_id)))
    app.register_blueprint(shop_api)

    @app.get("/")
    def home():
        return "<h1>The shop</h1>"

    @app.route("/login", methods=("GET", "POST"), endpoint="shop_login")
    def login():
        if request.method == "POST":
            customer = db.session.scalar(db.select(Customer).filter_by(email=request.form["email"]))
            if customer is not None:
                login_user(customer)
                return redirect(request.args.get("next") or "/")
        return "<h1>Shop login</h1>", 200

    @app.post("/logout")
    def logout():
        logout_user()
        return redirect("/")

    @app.errorhandler(404)
    def not_found(error):
        return "<h1>The shop has no such page</h1>", 404

    IVRModule(app, db=db, staff_role=ivr_staff_role if login_mode == "host" else None)
    return app
