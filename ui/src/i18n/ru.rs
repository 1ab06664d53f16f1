use super::Text;

pub fn text(key: Text) -> &'static str {
    match key {
        Text::AppTitle => "Ombor Nazorat",
        Text::ScanPrompt => "Отсканируйте QR-код товара",
        Text::ScanHint => "Направьте сканер на этикетку товара",
        Text::LastScan => "Последний отсканированный код",
        Text::GarbledTooShort => "Код слишком короткий — отсканируйте ещё раз",
        Text::GarbledTooLong => "Код слишком длинный — отсканируйте ещё раз",
        Text::DatabaseOk => "База данных подключена",
        Text::Station => "Станция",
    }
}
