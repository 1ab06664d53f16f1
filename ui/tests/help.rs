//! The help screen on the iced simulator: opened from the lock screen's "? Yordam" button, it
//! shows the worker's part of the guide in the current language and closes back to the lock.

mod common;

use common::Harness;
use ui::app::Screen;
use ui::i18n::{Language, Text};
use ui::screen::help::{self, Block};
use ui::screen::lock::help_label;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_opens_from_the_lock_screen_in_the_current_language() {
    let mut h = Harness::new(|_| {}).await;
    assert!(matches!(h.kiosk.screen, Screen::Lock));

    h.tap(&help_label(Language::Uzbek)).await;
    assert!(matches!(h.kiosk.screen, Screen::Help(_)), "the help screen is open");
    assert!(h.shows("Omborchi uchun"), "the worker's part of the Uzbek guide");
    assert!(h.shows("Ish tartibi: skaner → kamera → tasdiq → saqlandi"));

    // The language buttons stay in the header; the guide follows them.
    h.tap("RU").await;
    assert!(h.shows("Для кладовщика"));
    assert!(!h.shows("Omborchi uchun"));
    h.tap("EN").await;
    assert!(h.shows("For the warehouse worker"));

    h.tap(h.t(Text::Close)).await;
    assert!(matches!(h.kiosk.screen, Screen::Lock), "closed back to the lock screen");
    assert!(h.shows(&help_label(Language::English)));
}

#[test]
fn the_screen_text_is_the_guide_text() {
    for (lang, doc) in [
        (Language::Uzbek, include_str!("../../docs/guide.uz.md")),
        (Language::Russian, include_str!("../../docs/guide.ru.md")),
        (Language::English, include_str!("../../docs/guide.en.md")),
    ] {
        let section = help::worker_section(lang);
        assert!(doc.contains(section), "{lang:?}: the screen's section is cut from the guide");
        let blocks = help::blocks(lang);
        assert!(matches!(blocks.first(), Some(Block::Title(_))), "{lang:?} starts with its title: {:?}", blocks.first());
        // The worker's part covers the four things the issue asks for: the flow, the messages,
        // an unrecognised face, insufficient stock.
        let headings = blocks.iter().filter(|b| matches!(b, Block::Heading(_))).count();
        assert_eq!(headings, 4, "{lang:?}: {blocks:#?}");
        // Every message quoted in it is the kiosk's own text.
        for key in [Text::ScanPrompt, Text::FaceNotRecognised, Text::TryAgain, Text::Continue, Text::GarbledTooShort] {
            let shown = ui::i18n::tr(lang, key);
            assert!(section.contains(shown), "{lang:?}: the guide quotes {key:?} as the kiosk shows it: {shown:?}");
        }
    }
}

/// The menus and buttons the guides send the reader to are the kiosk's own labels.
#[test]
fn the_guides_name_the_kiosk_s_own_buttons() {
    use Text::*;
    for (lang, doc) in [
        (Language::Uzbek, include_str!("../../docs/guide.uz.md")),
        (Language::Russian, include_str!("../../docs/guide.ru.md")),
        (Language::English, include_str!("../../docs/guide.en.md")),
    ] {
        for key in [
            LogIn,
            In,
            Out,
            Cancel,
            Done,
            FaceTitle,
            Saved,
            FirstRunTitle,
            CreateAdmin,
            AdminMode,
            TabProducts,
            TabReports,
            TabUsers,
            TabEmployees,
            TabBackups,
            AddProduct,
            LowOnly,
            AddUser,
            ResetPassword,
            Disable,
            Enable,
            AddEmployee,
            EnrolFace,
            Deactivate,
            Reverse,
            Reason,
            ConfirmReverse,
            ExportCsvXlsx,
        ] {
            let label = ui::i18n::tr(lang, key);
            assert!(doc.contains(label), "{lang:?}: the guide names {key:?} as the kiosk labels it: {label:?}");
        }
        assert!(doc.contains(&help_label(lang)), "{lang:?}: the guide names the help button");
    }
}
