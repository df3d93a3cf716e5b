"""The web pages' words in English, Persian and Turkish, and dates in the user's
calendar. Dates and digits come from the reports' helpers (``reports/calendars.py``)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from muniops.collector.reports import i18n as report_i18n
from muniops.collector.reports.calendars import format_date, to_persian_digits
from muniops.collector.reports.config import Calendar, Lang

# key: (English, Persian, Turkish)
WORDS: dict[str, tuple[str, str, str]] = {
    "app": ("muniops", "muniops", "muniops"),
    "sign_in": ("Sign in", "ورود", "Giriş"),
    "sign_out": ("Sign out", "خروج", "Çıkış"),
    "username": ("User name", "نام کاربری", "Kullanıcı adı"),
    "password": ("Password", "گذرواژه", "Parola"),
    "wrong_password": ("Wrong user name or password.", "نام کاربری یا گذرواژه نادرست است.",
                       "Kullanıcı adı veya parola yanlış."),
    "too_many": ("Too many failed sign-ins. Try again in {n} seconds.",
                 "تلاش‌های ناموفق زیاد است. {n} ثانیه دیگر دوباره امتحان کنید.",
                 "Çok fazla başarısız giriş. {n} saniye sonra yeniden deneyin."),
    "directory_down": ("The directory does not answer; try again later.",
                       "سرویس دایرکتوری پاسخ نمی‌دهد؛ بعداً امتحان کنید.",
                       "Dizin yanıt vermiyor; daha sonra deneyin."),
    "my_work": ("My work", "کارهای من", "İşlerim"),
    "pm_due": ("Maintenance due", "نگهداری‌های موعددار", "Zamanı gelen bakımlar"),
    "none": ("Nothing here.", "موردی نیست.", "Kayıt yok."),
    "open_repairs": ("Open repairs", "تعمیرات باز", "Açık onarımlar"),
    "asset": ("Asset", "دارایی", "Demirbaş"),
    "site": ("Site", "ساختمان", "Bina"),
    "location": ("Location", "محل", "Konum"),
    "due": ("Due", "موعد", "Son tarih"),
    "state": ("State", "وضعیت", "Durum"),
    "team": ("Team", "تیم", "Ekip"),
    "kind": ("Kind", "نوع", "Tür"),
    "status": ("Status", "وضعیت", "Durum"),
    "holder": ("Held by", "تحویل‌گیرنده", "Zimmetli"),
    "since": ("since", "از", "tarihinden beri"),
    "nobody": ("nobody", "هیچ‌کس", "kimse"),
    "serial": ("Serial", "شماره سریال", "Seri no"),
    "model": ("Model", "مدل", "Model"),
    "hostname": ("Host name", "نام میزبان", "Ana bilgisayar adı"),
    "warranty_end": ("Warranty until", "پایان گارانتی", "Garanti bitişi"),
    "pm_visit": ("Maintenance visit", "بازدید نگهداری", "Bakım ziyareti"),
    "evidence": ("Live state", "وضعیت فعلی", "Canlı durum"),
    "no_evidence": ("The store holds no data for this asset yet.",
                    "هنوز داده‌ای برای این دارایی ثبت نشده است.",
                    "Bu demirbaş için henüz veri yok."),
    "reported_at": ("Last report", "آخرین گزارش", "Son rapor"),
    "disk_fill": ("Disk fill", "پر بودن دیسک", "Disk doluluğu"),
    "smart": ("Disk health (SMART)", "سلامت دیسک (SMART)", "Disk sağlığı (SMART)"),
    "antivirus": ("Antivirus", "آنتی‌ویروس", "Antivirüs"),
    "signature_age": ("Signatures", "امضاها", "İmzalar"),
    "days_old": ("{n} days old", "{n} روزه", "{n} günlük"),
    "snmp_state": ("SNMP state", "وضعیت SNMP", "SNMP durumu"),
    "last_poll": ("Last poll", "آخرین پایش", "Son yoklama"),
    "last_backup": ("Last configuration backup", "آخرین پشتیبان پیکربندی",
                    "Son yapılandırma yedeği"),
    "backups": ("Backups", "پشتیبان‌ها", "Yedekler"),
    "checklist": ("Checklist", "فهرست بازبینی", "Kontrol listesi"),
    "ok": ("OK", "سالم", "Tamam"),
    "not_ok": ("Not OK", "ناسالم", "Sorunlu"),
    "note": ("Note", "یادداشت", "Not"),
    "notes": ("Notes", "یادداشت‌ها", "Notlar"),
    "photo": ("Photo", "عکس", "Fotoğraf"),
    "done_by": ("Done by", "انجام‌دهنده", "Yapan"),
    "open_repair": ("Open a repair ticket for the failed items",
                    "برای موارد ناسالم درخواست تعمیر باز شود",
                    "Sorunlu maddeler için onarım kaydı aç"),
    "mark_done": ("Done", "انجام شد", "Tamamlandı"),
    "skip": ("Skip", "رد کردن", "Atla"),
    "skip_reason": ("Reason for skipping", "دلیل رد", "Atlama nedeni"),
    "recorded": ("Recorded.", "ثبت شد.", "Kaydedildi."),
    "task_closed": ("This task is {state}.", "این کار {state} است.", "Bu görev {state}."),
    "repair_ticket": ("Repair ticket", "درخواست تعمیر", "Onarım kaydı"),
    "pm_history": ("Maintenance history", "سابقه نگهداری", "Bakım geçmişi"),
    "repairs": ("Repairs", "تعمیرات", "Onarımlar"),
    "history": ("Changes", "تغییرات", "Değişiklikler"),
    "assign": ("Assign to", "تحویل به", "Zimmetle"),
    "person": ("Person (employee id, e-mail or name)", "شخص (کد پرسنلی، ایمیل یا نام)",
               "Kişi (sicil no, e-posta veya ad)"),
    "return": ("Return to stock", "بازگشت به انبار", "Depoya iade"),
    "move": ("Move", "جابه‌جایی", "Taşı"),
    "retire": ("Retire", "اسقاط", "Hurdaya ayır"),
    "reason": ("Reason", "دلیل", "Neden"),
    "part": ("Part", "قطعه", "Parça"),
    "vendor": ("Vendor", "فروشنده", "Satıcı"),
    "problem": ("Problem", "مشکل", "Sorun"),
    "labels": ("QR labels", "برچسب‌های QR", "QR etiketleri"),
    "label_size": ("Label sheet", "برگه برچسب", "Etiket sayfası"),
    "tags": ("Asset tags (one a line; empty: the whole site)",
             "برچسب‌های دارایی (هر خط یکی؛ خالی: کل ساختمان)",
             "Demirbaş etiketleri (her satıra bir; boş: tüm bina)"),
    "print": ("Make PDF", "ساخت PDF", "PDF oluştur"),
    "district": ("District", "منطقه", "İlçe"),
    "assets": ("Assets", "دارایی‌ها", "Demirbaşlar"),
    "pm_completion": ("Maintenance this period", "نگهداری این دوره", "Bu dönemin bakımları"),
    "done_of": ("{done} of {total} done ({rate})", "{done} از {total} انجام شده ({rate})",
                "{total} görevden {done} tamamlandı ({rate})"),
    "av_problems": ("Antivirus not compliant", "آنتی‌ویروس نامنطبق", "Antivirüsü uyumsuz"),
    "unknown_devices": ("Unknown devices on our networks", "دستگاه‌های ناشناس در شبکه",
                        "Ağlarımızdaki bilinmeyen cihazlar"),
    "register": ("Register", "ثبت", "Kaydet"),
    "ignore": ("Ignore", "نادیده گرفتن", "Yoksay"),
    "asset_tag": ("Asset tag", "برچسب دارایی", "Demirbaş etiketi"),
    "last_seen": ("Last seen", "آخرین مشاهده", "Son görülme"),
    "preferences": ("Language and calendar", "زبان و تقویم", "Dil ve takvim"),
    "language": ("Language", "زبان", "Dil"),
    "calendar": ("Calendar", "تقویم", "Takvim"),
    "save": ("Save", "ذخیره", "Kaydet"),
    "gregorian": ("Gregorian", "میلادی", "Miladi"),
    "jalali": ("Jalali (Solar Hijri)", "شمسی", "Celali (Hicri Şemsi)"),
    "not_found": ("Not found (or not yours to see).", "پیدا نشد (یا اجازه دیدن آن را ندارید).",
                  "Bulunamadı (veya görme yetkiniz yok)."),
    "forbidden": ("Your role may not do this.", "نقش شما اجازه این کار را ندارد.",
                  "Rolünüz buna izin vermiyor."),
    "bad_form": ("The form expired; open the page again and retry.",
                 "فرم منقضی شده؛ صفحه را دوباره باز کنید و دوباره امتحان کنید.",
                 "Formun süresi doldu; sayfayı yeniden açıp tekrar deneyin."),
    "error": ("Could not do that", "انجام نشد", "Yapılamadı"),
    "back": ("Back", "بازگشت", "Geri"),
    "state_due": ("due", "موعد رسیده", "zamanı geldi"),
    "state_overdue": ("overdue", "معوق", "gecikmiş"),
    "state_planned": ("planned", "برنامه‌ریزی‌شده", "planlandı"),
    "state_done": ("done", "انجام‌شده", "yapıldı"),
    "state_skipped": ("skipped", "ردشده", "atlandı"),
    "compliant": ("compliant", "منطبق", "uyumlu"),
    "not_compliant": ("not compliant", "نامنطبق", "uyumsuz"),
    "all_compliant": ("Every host is compliant.", "همه میزبان‌ها منطبق‌اند.",
                      "Tüm bilgisayarlar uyumlu."),
    "sent_at": ("Sent", "ارسال", "Gönderildi"),
}
_INDEX = {Lang.EN: 0, Lang.FA: 1, Lang.TR: 2}


class Words:
    """``t("key")`` in one language, plus the dates and digits of one calendar."""

    def __init__(self, lang: Lang, calendar: Calendar, persian_digits: bool) -> None:
        self.lang, self.calendar = lang, calendar
        self.rtl = report_i18n.is_rtl(lang)
        self.persian_digits = persian_digits or lang == Lang.FA

    def __call__(self, key: str, **values: object) -> str:
        entry = WORDS.get(key)
        text = (entry[_INDEX[self.lang]] or entry[0]) if entry else report_i18n.t(key, self.lang)
        return self.digits(text.format(**values)) if values else text

    def digits(self, text: object) -> str:
        out = str(text)
        return to_persian_digits(out) if self.persian_digits else out

    def day(self, value: date | None) -> str:
        return self.isolate(self.digits(format_date(value, self.calendar))) if value else ""

    def isolate(self, text: str) -> str:
        """Left-to-right inside a right-to-left line: after Persian words, Persian digits
        count as Arabic numbers, and ``1405-09-11`` would read backwards without it."""
        return f"\u2066{text}\u2069" if self.rtl else text

    def moment(self, value: datetime | None, tz: str | None = None) -> str:
        """A time in the site's zone (UTC when it has none), named by its zone."""
        if value is None:
            return ""
        zone = tz or "UTC"
        local = value.astimezone(ZoneInfo(zone))
        return (f"{self.day(local.date())} {self.isolate(self.digits(f'{local:%H:%M}'))} "
                f"{report_i18n.zone_label(zone, self.lang)}")

    def reason(self, text: str) -> str:
        return self.digits(report_i18n.reason(text, self.lang) or text)
