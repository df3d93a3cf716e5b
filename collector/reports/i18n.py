"""Report labels in English, Persian and Turkish. A key missing from a language falls back
to English, and a key missing from English to the key itself, so a new column never
breaks a report (the test suite checks every built key has all three)."""

from __future__ import annotations

import re

from muniops.collector.reports.config import Lang

# key: (English, Persian, Turkish)
LABELS: dict[str, tuple[str, str, str]] = {
    # report titles
    "title_pm-schedule": ("Preventive maintenance schedule", "برنامه نگهداری پیشگیرانه",
                          "Önleyici bakım planı"),
    "title_pm-completion": ("Preventive maintenance completion", "گزارش انجام نگهداری پیشگیرانه",
                            "Önleyici bakım tamamlanma raporu"),
    "title_antivirus": ("Antivirus compliance", "وضعیت آنتی‌ویروس", "Antivirüs uyumluluğu"),
    "title_assets": ("Asset register", "فهرست دارایی‌ها", "Demirbaş listesi"),
    "title_warranty": ("Warranty and repairs", "گارانتی و تعمیرات", "Garanti ve onarımlar"),
    "title_retirement": ("Retirement candidates", "نامزدهای اسقاط", "Hurdaya ayrılacaklar"),
    "title_activity": ("Weekly activity", "گزارش فعالیت هفتگی", "Haftalık faaliyet raporu"),
    # sections
    "by_month": ("By site, team and month", "به تفکیک ساختمان، تیم و ماه",
                 "Bina, ekip ve aya göre"),
    "tasks": ("Tasks", "کارها", "Görevler"),
    "by_district": ("By district", "به تفکیک منطقه", "İlçeye göre"),
    "not_done": ("Overdue or skipped", "معوق یا رد شده", "Geciken veya atlanan"),
    "warranty_expiring": ("Warranty ending", "گارانتی رو به پایان", "Garantisi bitenler"),
    "open_repairs": ("Open repair tickets", "تعمیرات باز", "Açık onarım kayıtları"),
    "retirement_candidates": ("Past economic life", "عمر مفید سپری شده",
                              "Ekonomik ömrünü doldurmuş"),
    "new_assets": ("New assets", "دارایی‌های جدید", "Yeni demirbaşlar"),
    "changed_assets": ("Changed assets", "دارایی‌های تغییریافته", "Değişen demirbaşlar"),
    "hardware_changes": ("Hardware changes", "تغییرات سخت‌افزاری", "Donanım değişiklikleri"),
    "repairs": ("Repairs", "تعمیرات", "Onarımlar"),
    "pm_done": ("Preventive maintenance done", "نگهداری‌های انجام‌شده", "Yapılan bakımlar"),
    "antivirus_problems": ("Antivirus problems", "مشکلات آنتی‌ویروس", "Antivirüs sorunları"),
    "antivirus_by_site": ("Antivirus by site", "آنتی‌ویروس به تفکیک ساختمان",
                          "Binaya göre antivirüs"),
    "config_changes": ("Configuration changes", "تغییرات پیکربندی", "Yapılandırma değişiklikleri"),
    "unknown_devices": ("Unknown devices", "دستگاه‌های ناشناس", "Bilinmeyen cihazlar"),
    # columns and summary keys
    "site": ("Site", "ساختمان", "Bina"),
    "team": ("Team", "تیم", "Ekip"),
    "month": ("Month", "ماه", "Ay"),
    "task": ("Task", "کار", "Görev"),
    "asset": ("Asset", "دارایی", "Demirbaş"),
    "assets": ("Assets", "دارایی‌ها", "Demirbaşlar"),
    "kind": ("Kind", "نوع", "Tür"),
    "due_date": ("Due date", "موعد", "Son tarih"),
    "state": ("State", "وضعیت", "Durum"),
    "closed_at": ("Closed", "زمان بستن", "Kapanış"),
    "skip_reason": ("Reason skipped", "دلیل رد", "Atlama nedeni"),
    "district": ("District", "منطقه", "İlçe"),
    "open": ("Open", "باز", "Açık"),
    "completion_rate": ("Completion rate", "درصد انجام", "Tamamlanma oranı"),
    "performed_by": ("Done by", "انجام‌دهنده", "Yapan"),
    "performed_at": ("Done at", "زمان انجام", "Yapılma zamanı"),
    "failed_items": ("Failed items", "موارد ناموفق", "Başarısız maddeler"),
    "repair_ticket": ("Repair ticket", "درخواست تعمیر", "Onarım kaydı"),
    "asset_tag": ("Asset tag", "برچسب اموال", "Demirbaş no"),
    "serial": ("Serial", "شماره سریال", "Seri no"),
    "status": ("Status", "وضعیت", "Durum"),
    "vendor": ("Vendor", "سازنده", "Üretici"),
    "model": ("Model", "مدل", "Model"),
    "location": ("Location", "محل", "Konum"),
    "assigned_to": ("Assigned to", "تحویل‌گیرنده", "Zimmetli"),
    "purchase_date": ("Purchased", "تاریخ خرید", "Alış tarihi"),
    "warranty_end": ("Warranty ends", "پایان گارانتی", "Garanti bitişi"),
    "purchase_cost": ("Cost", "بهای خرید", "Maliyet"),
    "days_left": ("Days left", "روز باقی‌مانده", "Kalan gün"),
    "ticket": ("Ticket", "درخواست", "Kayıt"),
    "part": ("Part", "قطعه", "Parça"),
    "vendor_reference": ("Vendor reference", "شماره پیگیری", "Üretici referansı"),
    "under_warranty": ("Under warranty", "در گارانتی", "Garantili"),
    "sent_at": ("Sent", "زمان ارسال", "Gönderilme"),
    "age_days": ("Age (days)", "سن (روز)", "Yaş (gün)"),
    "economic_life_years": ("Economic life (years)", "عمر مفید (سال)",
                            "Ekonomik ömür (yıl)"),
    "end_of_life": ("End of life", "پایان عمر مفید", "Ömür sonu"),
    "years_past": ("Years past", "سال‌های گذشته", "Geçen yıl"),
    "at": ("When", "زمان", "Zaman"),
    "actor": ("By", "توسط", "Yapan"),
    "action": ("Action", "عملیات", "İşlem"),
    "changes": ("Changes", "تغییرات", "Değişiklikler"),
    "first_seen": ("First seen", "اولین مشاهده", "İlk görülme"),
    "hostname": ("Host name", "نام میزبان", "Ana bilgisayar adı"),
    "product": ("Product", "محصول", "Ürün"),
    "problem": ("Problem", "مشکل", "Sorun"),
    "last_report": ("Last report", "آخرین گزارش", "Son rapor"),
    "hosts": ("Hosts", "رایانه‌ها", "Bilgisayarlar"),
    "compliant": ("Compliant", "منطبق", "Uyumlu"),
    "compliance": ("Compliance", "درصد انطباق", "Uyumluluk"),
    "device": ("Device", "دستگاه", "Cihaz"),
    "version": ("Version", "نسخه", "Sürüm"),
    "lines": ("Lines", "تعداد خطوط", "Satır"),
    "mac": ("MAC address", "آدرس MAC", "MAC adresi"),
    "ip": ("IP address", "آدرس IP", "IP adresi"),
    "signature_age_days": ("Signature age (days)", "عمر امضا (روز)", "İmza yaşı (gün)"),
    "lines_changed": ("Lines changed", "خطوط تغییریافته", "Değişen satır"),
    "state_planned": ("Planned", "برنامه‌ریزی‌شده", "Planlandı"),
    "state_due": ("Due", "سررسید", "Zamanı geldi"),
    "state_overdue": ("Overdue", "معوق", "Gecikmiş"),
    "state_done": ("Done", "انجام‌شده", "Yapıldı"),
    "state_skipped": ("Skipped", "رد شده", "Atlandı"),
    # values (LABEL columns)
    "planned": ("planned", "برنامه‌ریزی‌شده", "planlandı"),
    "due": ("due", "سررسید", "zamanı geldi"),
    "overdue": ("overdue", "معوق", "gecikmiş"),
    "done": ("done", "انجام‌شده", "yapıldı"),
    "skipped": ("skipped", "رد شده", "atlandı"),
    "pc": ("PC", "رایانه", "Bilgisayar"),
    "laptop": ("laptop", "لپ‌تاپ", "dizüstü"),
    "server": ("server", "سرور", "sunucu"),
    "switch": ("switch", "سوئیچ", "anahtar"),
    "router": ("router", "روتر", "yönlendirici"),
    "access_point": ("access point", "اکسس پوینت", "erişim noktası"),
    "wireless_bridge": ("wireless bridge", "پل بی‌سیم", "kablosuz köprü"),
    "printer": ("printer", "چاپگر", "yazıcı"),
    "camera": ("camera", "دوربین", "kamera"),
    "ups": ("UPS", "یو‌پی‌اس", "UPS"),
    "other": ("other", "سایر", "diğer"),
    "discovered": ("discovered", "کشف‌شده", "keşfedildi"),
    "in_stock": ("in stock", "در انبار", "depoda"),
    "deployed": ("deployed", "در حال استفاده", "kullanımda"),
    "in_repair": ("in repair", "در تعمیر", "onarımda"),
    "retired": ("retired", "اسقاط", "hurdaya ayrıldı"),
    "unapproved": ("unapproved", "تأییدنشده", "onaylanmamış"),
    "ignored": ("ignored", "نادیده گرفته‌شده", "yok sayıldı"),
    "registered": ("registered", "ثبت‌شده", "kayıtlı"),
    "yes": ("yes", "بله", "evet"),
    "no": ("no", "خیر", "hayır"),
    # documents: letterhead, signatures, page numbers
    "document_number": ("Document no.", "شماره سند", "Belge no"),
    "date": ("Date", "تاریخ", "Tarih"),
    "page": ("Page", "صفحه", "Sayfa"),
    "page_of": ("of", "از", "/"),
    "prepared_by": ("Prepared by", "تهیه‌کننده", "Hazırlayan"),
    "checked_by": ("Checked by", "بررسی‌کننده", "Kontrol eden"),
    "approved_by": ("Approved by", "تأییدکننده", "Onaylayan"),
    "received_by": ("Received by", "تحویل‌گیرنده", "Teslim alan"),
    "handed_by": ("Handed over by", "تحویل‌دهنده", "Teslim eden"),
    "committee_member": ("Committee member", "عضو کمیسیون", "Komisyon üyesi"),
    "signature": ("Signature", "امضا", "İmza"),
    "name": ("Name", "نام", "Adı soyadı"),
    "signatures": ("Signatures", "امضاها", "İmzalar"),
    "charts": ("Charts", "نمودارها", "Grafikler"),
    "title_assignment-receipt": ("Assignment receipt", "رسید تحویل اموال",
                                 "Zimmet tutanağı"),
    "title_handover": ("Handover list", "صورت‌جلسه تحویل و تحول اموال", "Devir teslim listesi"),
    "items": ("Items", "اقلام", "Malzemeler"),
    "items_count": ("Items", "تعداد اقلام", "Malzeme sayısı"),
    "employee_id": ("Staff number", "شماره پرسنلی", "Sicil no"),
    "department": ("Department", "واحد", "Birim"),
    "received_at": ("Received", "زمان تحویل", "Teslim tarihi"),
    "handed_to": ("Handed to", "تحویل به", "Devredilen"),
    "handed_at": ("Handed over", "زمان تحویل", "Devir tarihi"),
    "back_to_stock": ("back to stock", "بازگشت به انبار", "depoya iade"),
    "condition": ("Condition", "وضعیت ظاهری", "Durumu"),
    "note": ("Note", "توضیحات", "Not"),
    "new": ("new", "نو", "yeni"),
    "good": ("good", "سالم", "iyi"),
    "fair": ("fair", "قابل استفاده", "orta"),
    "poor": ("poor", "فرسوده", "kötü"),
    "title_licences": ("Software licences", "مجوزهای نرم‌افزار", "Yazılım lisansları"),
    "by_product": ("By product", "به تفکیک محصول", "Ürüne göre"),
    "unlicensed_installs": ("Installed without a licence", "نصب بدون مجوز",
                            "Lisanssız kurulumlar"),
    "over_deployed": ("Licences over-deployed", "نصب بیش از مجوز",
                      "Lisans sayısını aşan kurulumlar"),
    "licences_expiring": ("Licences expiring", "مجوزهای رو به پایان", "Süresi dolan lisanslar"),
    "denied_software": ("Software on the deny list", "نرم‌افزارهای غیرمجاز",
                        "Yasaklı yazılımlar"),
    "unknown_packages": ("Packages not in the rule file", "بسته‌های ناشناخته",
                         "Kural dosyasında olmayan paketler"),
    "installs": ("Installations", "تعداد نصب", "Kurulum"),
    "seats": ("Seats", "تعداد مجوز", "Lisans adedi"),
    "unlicensed": ("Without licence", "بدون مجوز", "Lisanssız"),
    "missing_seats": ("Seats missing", "کمبود مجوز", "Eksik lisans"),
    "licence": ("Licence", "مجوز", "Lisans"),
    "edition": ("Edition", "ویرایش", "Sürüm türü"),
    "expires_on": ("Expires", "تاریخ انقضا", "Bitiş tarihi"),
    "installed_as": ("Installed as", "نام نصب‌شده", "Kurulu adı"),
    "chart_licences": ("Installations and seats per product", "نصب و مجوز به تفکیک محصول",
                       "Ürüne göre kurulum ve lisans"),
    # charts
    "chart_pm_by_district": ("PM tasks by district", "نگهداری به تفکیک منطقه",
                             "İlçeye göre bakım görevleri"),
    "chart_pm_by_site_team": ("PM completion by site and team",
                              "درصد انجام نگهداری به تفکیک ساختمان و تیم",
                              "Bina ve ekibe göre bakım tamamlanma"),
    "chart_pm_by_month": ("PM tasks by month", "کارهای نگهداری به تفکیک ماه",
                          "Aya göre bakım görevleri"),
    "chart_av_by_district": ("Antivirus compliance by district",
                             "انطباق آنتی‌ویروس به تفکیک منطقه",
                             "İlçeye göre antivirüs uyumluluğu"),
    "chart_assets_by_age": ("Assets by age and state", "دارایی‌ها به تفکیک سن و وضعیت",
                            "Yaşa ve duruma göre demirbaşlar"),
    "chart_activity": ("This week's activity", "فعالیت‌های این هفته", "Bu haftanın faaliyetleri"),
    "count": ("Count", "تعداد", "Adet"),
    "by_site_team": ("By site and team", "به تفکیک ساختمان و تیم", "Bina ve ekibe göre"),
    "age_0_2": ("under 2 years", "کمتر از ۲ سال", "2 yıldan az"),
    "age_2_4": ("2–4 years", "۲ تا ۴ سال", "2–4 yıl"),
    "age_4_6": ("4–6 years", "۴ تا ۶ سال", "4–6 yıl"),
    "age_6_plus": ("6 years or more", "۶ سال و بیشتر", "6 yıl ve üzeri"),
    "age_unknown": ("purchase date unknown", "تاریخ خرید نامعلوم", "alış tarihi bilinmiyor"),
    "not_compliant": ("Not compliant", "نامنطبق", "Uyumsuz"),
    "no_district": ("(no district)", "(بدون منطقه)", "(ilçesiz)"),
    "no_site": ("(no site)", "(بدون ساختمان)", "(binasız)"),
    # PM teams and the example checklists (more in reports.translations)
    "hardware": ("hardware", "سخت‌افزار", "donanım"),
    "network": ("network", "شبکه", "ağ"),
    "software": ("software", "نرم‌افزار", "yazılım"),
    "datacentre": ("data centre", "مرکز داده", "veri merkezi"),
    "clean dust from fans and vents": ("clean dust from fans and vents",
                                       "گردگیری فن‌ها و دریچه‌ها",
                                       "fan ve havalandırmaların tozunu temizle"),
    "check cables and connectors": ("check cables and connectors", "بررسی کابل‌ها و اتصالات",
                                    "kabloları ve konnektörleri kontrol et"),
    "check health indicators and logs": ("check health indicators and logs",
                                         "بررسی نشانگرهای سلامت و لاگ‌ها",
                                         "sağlık göstergelerini ve kayıtları kontrol et"),
    "clean fans": ("clean fans", "تمیز کردن فن‌ها", "fanları temizle"),
    "check disks": ("check disks", "بررسی دیسک‌ها", "diskleri kontrol et"),
    "check cables": ("check cables", "بررسی کابل‌ها", "kabloları kontrol et"),
    "check fans": ("check fans", "بررسی فن‌ها", "fanları kontrol et"),
    "check logs": ("check logs", "بررسی لاگ‌ها", "kayıtları kontrol et"),
    "save config": ("save config", "ذخیره پیکربندی", "yapılandırmayı kaydet"),
    # audit actions shown in the weekly activity
    "asset.create": ("created", "ثبت", "oluşturuldu"),
    "asset.update": ("updated", "ویرایش", "güncellendi"),
    "asset.assign": ("assigned", "تحویل به شخص", "zimmetlendi"),
    "asset.return": ("returned to stock", "بازگشت به انبار", "depoya iade"),
    "asset.retire": ("retired", "اسقاط", "hurdaya ayrıldı"),
    "asset.move": ("moved", "جابجایی", "taşındı"),
    "asset.repair": ("sent to repair", "ارسال به تعمیر", "onarıma gönderildi"),
    "asset.repaired": ("back from repair", "بازگشت از تعمیر", "onarımdan döndü"),
    "asset.write_off": ("written off", "اسقاط (کمیسیون)", "terkin edildi"),
    "repair.open": ("repair opened", "ثبت تعمیر", "onarım açıldı"),
    "repair.close": ("repair closed", "بستن تعمیر", "onarım kapandı"),
    "repair.update": ("repair updated", "ویرایش تعمیر", "onarım güncellendi"),
    # page furniture
    "generated": ("Generated", "تاریخ تهیه", "Oluşturulma"),
    "period": ("Period", "دوره", "Dönem"),
    "summary": ("Summary", "خلاصه", "Özet"),
    "none": ("No rows.", "موردی نیست.", "Kayıt yok."),
    "missing_source_agent": (
        "No data yet: the endpoint agent has stored no reports in the register.",
        "هنوز داده‌ای نیست: عامل رایانه‌ها هنوز گزارشی در سامانه ثبت نکرده است.",
        "Henüz veri yok: uç nokta ajanı kayıtlara henüz rapor yazmadı."),
    "missing_source_config_backup": (
        "No data yet: no device configuration backups are stored.",
        "هنوز داده‌ای نیست: هیچ پشتیبان پیکربندی دستگاهی ذخیره نشده است.",
        "Henüz veri yok: saklanan cihaz yapılandırma yedeği yok."),
    "missing_source_discovery": (
        "No data yet: network discovery has recorded no sightings.",
        "هنوز داده‌ای نیست: کشف شبکه هنوز دستگاهی ثبت نکرده است.",
        "Henüz veri yok: ağ keşfi henüz cihaz kaydetmedi."),
    "missing_source_snmp": (
        "No data yet: no SNMP health is stored.",
        "هنوز داده‌ای نیست: هیچ وضعیت SNMP ذخیره نشده است.",
        "Henüz veri yok: saklanan SNMP sağlık bilgisi yok."),
}

_INDEX = {Lang.EN: 0, Lang.FA: 1, Lang.TR: 2}


def t(key: str, lang: Lang) -> str:
    """The label of ``key`` in ``lang``."""
    entry = LABELS.get(key)
    if entry is None:
        return key.replace("_", " ")
    return entry[_INDEX[lang]] or entry[0]


# times are named by their zone: "Tehran time" rather than a bare offset
ZONES: dict[str, tuple[str, str, str]] = {
    "Asia/Tehran": ("Tehran time", "به وقت تهران", "Tahran saati"),
    "Europe/Istanbul": ("Istanbul time", "به وقت استانبول", "İstanbul saati"),
    "UTC": ("UTC", "به وقت جهانی", "UTC"),
}


def zone_label(name: str, lang: Lang) -> str:
    entry = ZONES.get(name)
    return entry[_INDEX[lang]] if entry else name


# the antivirus policy's reasons are sentences with numbers and product names in them:
# each pattern's groups are put into the translated sentence
_REASONS: tuple[tuple[str, tuple[str, str, str]], ...] = (
    (r"^no antivirus report yet$", ("no antivirus report yet",
                                    "هنوز گزارشی از آنتی‌ویروس نرسیده",
                                    "henüz antivirüs raporu yok")),
    (r"^no antivirus installed$", ("no antivirus installed", "آنتی‌ویروس نصب نیست",
                                   "antivirüs kurulu değil")),
    (r"^antivirus state unknown(?P<rest>.*)$", ("antivirus state unknown{rest}",
                                                "وضعیت آنتی‌ویروس نامعلوم{rest}",
                                                "antivirüs durumu bilinmiyor{rest}")),
    (r"^(?P<p>.+) is disabled$", ("{p} is disabled", "{p} غیرفعال است",
                                  "{p} devre dışı")),
    (r"^(?P<p>.+) real-time protection is off$", (
        "{p} real-time protection is off", "محافظت بلادرنگ {p} خاموش است",
        "{p} gerçek zamanlı koruması kapalı")),
    (r"^(?P<p>.+) says its signatures are out of date$", (
        "{p} says its signatures are out of date", "{p} امضاهای خود را قدیمی اعلام می‌کند",
        "{p} imzalarının güncel olmadığını bildiriyor")),
    (r"^(?P<p>.+) signature date unknown$", ("{p} signature date unknown",
                                             "تاریخ امضای {p} نامعلوم است",
                                             "{p} imza tarihi bilinmiyor")),
    (r"^(?P<p>.+) signatures are (?P<n>\d+) days old \(max (?P<m>[\d.]+)\)$", (
        "{p} signatures are {n} days old (max {m})",
        "امضاهای {p} {n} روزه است (حداکثر {m})",
        "{p} imzaları {n} günlük (en fazla {m})")),
)
REASONS = [(re.compile(pattern), texts) for pattern, texts in _REASONS]


def reason(text: str, lang: Lang) -> str | None:
    """A policy reason in ``lang``, or None when no pattern knows it."""
    for pattern, texts in REASONS:
        found = pattern.match(text)
        if found:
            return texts[_INDEX[lang]].format(**found.groupdict())
    return None


def is_rtl(lang: Lang) -> bool:
    return lang == Lang.FA
