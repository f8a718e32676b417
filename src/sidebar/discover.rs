//! Sidebar discovery in a live browser session.
