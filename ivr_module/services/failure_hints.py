"""What to tell the caller, and what support should do, for each failure code.

Good defaults ship here in English and Turkish; admins edit them in the admin ("Caller hints"),
which keeps its rows in ivr_failure_hints. A code without a row reads its default.
"""

from sqlalchemy import select

from ..db import db
from ..models import FailureHint
from .failure_codes import FailureCode as C

LOCALES = ("en", "tr")

# code: {locale: (what to tell the caller, what support should do)}
DEFAULT_HINTS = {
    C.INPUT_INVALID: {
        "en": ("Sorry, our payment line had a technical problem. Please try again in a few minutes.",
               "The vendor sent a malformed request: send the detail and request id to the IVR vendor."),
        "tr": ("Üzgünüz, ödeme hattında teknik bir sorun oluştu. Lütfen birkaç dakika sonra tekrar deneyin.",
               "IVR firması hatalı bir istek gönderdi: ayrıntıyı ve istek kimliğini IVR firmasına iletin."),
    },
    C.USER_INVALID_CREDENTIALS: {
        "en": ("Sorry, phone payment is not available right now. Please try again later.",
               "The IVR presented wrong credentials: check IVR_USERNAME/IVR_PASSWORD with the vendor."),
        "tr": ("Üzgünüz, telefonla ödeme şu anda kullanılamıyor. Lütfen daha sonra tekrar deneyin.",
               "IVR yanlış kimlik bilgileri gönderdi: IVR_USERNAME/IVR_PASSWORD ayarlarını firmayla kontrol edin."),
    },
    C.USER_INVALID_NOT_CONFIGURED: {
        "en": ("Sorry, phone payment is not available right now. Please try again later.",
               "The hook credentials are not set on this server: ask operations to set them."),
        "tr": ("Üzgünüz, telefonla ödeme şu anda kullanılamıyor. Lütfen daha sonra tekrar deneyin.",
               "Bu sunucuda kimlik bilgileri tanımlı değil: operasyon ekibinden tanımlamasını isteyin."),
    },
    C.USER_INVALID_ADDRESS: {
        "en": ("Sorry, phone payment is not available right now. Please try again later.",
               "A call came from an address outside IVR_ALLOWED_IPS: check the vendor's addresses."),
        "tr": ("Üzgünüz, telefonla ödeme şu anda kullanılamıyor. Lütfen daha sonra tekrar deneyin.",
               "İzin listesi dışındaki bir adresten çağrı geldi: firmanın adreslerini kontrol edin."),
    },
    C.USER_INVALID_LOCKED_OUT: {
        "en": ("Sorry, phone payment is not available right now. Please try again in 15 minutes.",
               "The caller's address is locked out after repeated bad credentials: tell operations."),
        "tr": ("Üzgünüz, telefonla ödeme şu anda kullanılamıyor. Lütfen 15 dakika sonra tekrar deneyin.",
               "Adres, tekrarlanan hatalı girişler nedeniyle kilitlendi: operasyon ekibine bildirin."),
    },
    C.ORDER_NUMBER_INVALID: {
        "en": ("No order number was entered. Please key in the 10-digit number from your order page.",
               "Nothing to do: the caller entered no number."),
        "tr": ("Sipariş numarası girilmedi. Lütfen sipariş sayfanızdaki 10 haneli numarayı tuşlayın.",
               "Yapılacak bir şey yok: arayan numara girmedi."),
    },
    C.ORDER_NOT_FOUND_MISTYPED: {
        "en": ("That number looks mistyped. Please read it from your order page and key it in again.",
               "Check digit failed: look at the near matches on the lookup page."),
        "tr": ("Numara yanlış tuşlanmış görünüyor. Lütfen sipariş sayfanızdan okuyup tekrar tuşlayın.",
               "Kontrol hanesi tutmadı: sorgu sayfasındaki benzer numaralara bakın."),
    },
    C.ORDER_NOT_FOUND_UNKNOWN: {
        "en": ("We could not find that order number. Please check it on your order page.",
               "The number was never issued: ask the caller to read it out and look it up."),
        "tr": ("Bu sipariş numarasını bulamadık. Lütfen sipariş sayfanızdan kontrol edin.",
               "Numara hiç verilmemiş: arayandan numarayı okumasını isteyip sorgulayın."),
    },
    C.ORDER_NOT_FOUND_EXPIRED: {
        "en": ("Your order number has expired. Please choose pay by phone again at checkout for a new one.",
               "The number outlived its time to live: the customer needs a new number from checkout."),
        "tr": ("Sipariş numaranızın süresi doldu. Yeni numara için ödeme adımında telefonla ödemeyi tekrar seçin.",
               "Numaranın süresi dolmuş: müşteri ödeme adımından yeni numara almalı."),
    },
    C.ORDER_NOT_FOUND_REPLACED: {
        "en": ("Your basket changed, so your order has a new number. Please use the number on your order page now.",
               "The number was replaced after a basket change: give the caller the new number from the lookup."),
        "tr": ("Sepetiniz değiştiği için siparişinizin numarası yenilendi. Lütfen sipariş sayfanızdaki yeni numarayı kullanın.",
               "Numara, sepet değişince yenilendi: yeni numarayı sorgu sayfasından arayana verin."),
    },
    C.ORDER_NOT_FOUND_CANCELLED: {
        "en": ("This order was cancelled, so it cannot be paid. Please place the order again.",
               "The pre-order is cancelled: the timeline shows who cancelled it and why."),
        "tr": ("Bu sipariş iptal edildiği için ödenemez. Lütfen siparişi yeniden oluşturun.",
               "Ön sipariş iptal edilmiş: kimin ve neden iptal ettiği zaman çizelgesinde görünür."),
    },
    C.ORDER_NOT_FOUND_PAID: {
        "en": ("Good news: this order is already paid. You do not need to pay again.",
               "Already paid: confirm the transaction on the lookup page; never take a second payment."),
        "tr": ("Bu sipariş zaten ödenmiş. Tekrar ödeme yapmanıza gerek yok.",
               "Zaten ödenmiş: işlemi sorgu sayfasında doğrulayın; ikinci ödeme almayın."),
    },
    C.PAYMENT_OPTION_NULL: {
        "en": ("Your order has no payment method yet. Please choose pay by phone at checkout.",
               "The checkout set no payment option: the customer must choose pay by phone again."),
        "tr": ("Siparişinizde ödeme yöntemi seçilmemiş. Lütfen ödeme adımında telefonla ödemeyi seçin.",
               "Ödeme seçeneği yok: müşteri telefonla ödemeyi yeniden seçmeli."),
    },
    C.PAYMENT_OPTION_NOT_VALID: {
        "en": ("This order is set to another payment method. Please choose pay by phone at checkout.",
               "The payment option is not cash_register: the customer chose another method."),
        "tr": ("Bu sipariş başka bir ödeme yöntemine ayarlı. Lütfen ödeme adımında telefonla ödemeyi seçin.",
               "Ödeme tipi cash_register değil: müşteri başka bir yöntem seçmiş."),
    },
    C.BASKET_CHANGED: {
        "en": ("Your basket changed after the number was given. Please get a new number at checkout.",
               "The basket differs from the snapshot: the diff on the lookup page shows what changed."),
        "tr": ("Numara verildikten sonra sepetiniz değişti. Lütfen ödeme adımından yeni numara alın.",
               "Sepet, alınan görüntüden farklı: neyin değiştiğini sorgu sayfasındaki fark gösterir."),
    },
    C.SUCCESS_MUST_BE_TRUE: {
        "en": ("Your payment did not go through. No money was taken; please try again.",
               "The vendor reported a failed payment: nothing was recorded."),
        "tr": ("Ödemeniz gerçekleşmedi. Hesabınızdan para çekilmedi; lütfen tekrar deneyin.",
               "Firma başarısız ödeme bildirdi: hiçbir şey kaydedilmedi."),
    },
    C.REFERENCE_USED: {
        "en": ("Sorry, there was a technical problem recording your payment. Please hold while we check.",
               "The vendor reused a reference of another order: escalate to the IVR vendor with both orders."),
        "tr": ("Üzgünüz, ödemeniz kaydedilirken teknik bir sorun oluştu. Kontrol ederken lütfen bekleyin.",
               "Firma başka bir siparişin referansını kullandı: iki siparişle birlikte firmaya iletin."),
    },
    C.SERVICE_UNAVAILABLE: {
        "en": ("Sorry, our payment system is busy. Please try again in a few minutes.",
               "The database was unavailable: check /readyz and tell operations."),
        "tr": ("Üzgünüz, ödeme sistemimiz şu anda yoğun. Lütfen birkaç dakika sonra tekrar deneyin.",
               "Veritabanına ulaşılamadı: /readyz sayfasını kontrol edip operasyon ekibine bildirin."),
    },
}


def hint_for(code: str | None, locale: str) -> FailureHint | None:
    """The hint of a code in a locale: the admins' edit if any, else the shipped default."""
    if not code or code not in DEFAULT_HINTS:
        return None
    locale = locale if locale in LOCALES else "en"
    edited = db.session.get(FailureHint, (code, locale))
    if edited is not None:
        return edited
    caller, support = DEFAULT_HINTS[code][locale]
    return FailureHint(code=code, locale=locale, caller_hint=caller, support_note=support)


def ensure_hint_rows() -> None:
    """Give every code and locale a row, from the defaults, so admins can edit each one."""
    present = {(code, locale) for code, locale in db.session.execute(select(FailureHint.code, FailureHint.locale))}
    for code, texts in DEFAULT_HINTS.items():
        for locale, (caller, support) in texts.items():
            if (code.value, locale) not in present:
                db.session.add(FailureHint(code=code.value, locale=locale, caller_hint=caller,
                                           support_note=support))
    db.session.commit()
