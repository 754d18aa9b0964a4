//! 跟案学习 (follow-case learning): the district court sends trainees to follow selected cases
//! end to end, read-only and anonymised. Admins and bureau officers enrol them; the visibility
//! rule that lets an enrolled trainee read a case lives with the others in `auth::visibility`.

pub mod schema;
pub mod service;
