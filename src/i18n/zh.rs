pub const TABLE: &[(&str, &str)] = &[];
