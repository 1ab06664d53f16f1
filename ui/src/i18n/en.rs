use super::Text;

pub fn text(key: Text) -> &'static str {
    match key {
        Text::AppTitle => "Ombor Nazorat",
        Text::ScanPrompt => "Scan the product's QR code",
        Text::ScanHint => "Point the scanner at the product's label",
        Text::LastScan => "Last scanned code",
        Text::GarbledTooShort => "The code is too short — scan again",
        Text::GarbledTooLong => "The code is too long — scan again",
        Text::DatabaseOk => "Database connected",
        Text::Station => "Station",
    }
}
