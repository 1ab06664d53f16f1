//! The live camera preview with a box drawn around the detected face.

use std::sync::Arc;

use iced::widget::{container, image, space, stack, text};
use iced::{Border, Color, Element, Length, Padding};

use crate::theme;

/// Where the face is, in the frame's pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaceRect {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

/// One downscaled camera frame ready to draw.
#[derive(Debug, Clone)]
pub struct Preview {
    pub width: u32,
    pub height: u32,
    pub image: image::Handle,
    pub face: Option<FaceRect>,
}

impl Preview {
    pub fn from_rgba(width: u32, height: u32, rgba: Arc<[u8]>, face: Option<FaceRect>) -> Preview {
        Preview { width, height, image: image::Handle::from_rgba(width, height, rgba.to_vec()), face }
    }
}

/// Draws the frame at `shown_width` px; without a frame, a placeholder with `waiting`.
pub fn view<'a, M: 'a>(frame: Option<&'a Preview>, shown_width: f32, waiting: &'a str) -> Element<'a, M> {
    let Some(frame) = frame.filter(|f| f.width > 0 && f.height > 0) else {
        return container(text(waiting).size(theme::BODY))
            .center_x(Length::Fixed(shown_width))
            .center_y(Length::Fixed(shown_width * 0.75))
            .style(container::bordered_box)
            .into();
    };
    let scale = shown_width / frame.width as f32;
    let shown_height = frame.height as f32 * scale;
    let picture = image(frame.image.clone()).width(Length::Fixed(shown_width)).height(Length::Fixed(shown_height));
    let Some(face) = frame.face else { return picture.into() };
    let face_box = container(space().width(Length::Fixed(face.width * scale)).height(Length::Fixed(face.height * scale))).style(|_| {
        container::Style {
            border: Border { color: Color::from_rgb8(0x22, 0xdd, 0x55), width: 4.0, radius: 6.0.into() },
            ..Default::default()
        }
    });
    let placed = container(face_box)
        .padding(Padding { top: face.y * scale, left: face.x * scale, right: 0.0, bottom: 0.0 })
        .width(Length::Fixed(shown_width))
        .height(Length::Fixed(shown_height));
    stack![picture, placed].into()
}
