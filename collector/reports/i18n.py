"""Report labels in English, Persian and Turkish. A key missing from a language falls back
to English, and a key missing from English to the key itself, so a new column never
breaks a report (the test suite checks every built key has all three)."""

from __future__ import annotations

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
    "firewall": ("firewall", "فایروال", "güvenlik duvarı"),
    "wireless_controller": ("wireless controller", "کنترلر بی‌سیم", "kablosuz denetleyici"),
    "nas": ("NAS", "ذخیره‌ساز شبکه", "ağ depolama"),
    "pdu": ("PDU", "پی‌دی‌یو", "PDU"),
    "nvr": ("NVR", "ضبط‌کننده ویدئو", "ağ video kaydedici"),
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


def is_rtl(lang: Lang) -> bool:
    return lang == Lang.FA
