use super::Text;

pub fn text(key: Text) -> &'static str {
    match key {
        Text::AppTitle => "Ombor Nazorat",
        Text::ScanPrompt => "Mahsulot QR kodini skanerlang",
        Text::ScanHint => "Skanerni mahsulot yorlig'iga yo'naltiring",
        Text::LastScan => "Oxirgi skanerlangan kod",
        Text::GarbledTooShort => "Kod juda qisqa — qaytadan skanerlang",
        Text::GarbledTooLong => "Kod juda uzun — qaytadan skanerlang",
        Text::DatabaseOk => "Ma'lumotlar bazasi ulangan",
        Text::Station => "Stansiya",
    }
}
