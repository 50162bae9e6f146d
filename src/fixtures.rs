//! Rows that many tests use (the library's unit tests, the integration tests, the wasm tests and
//! the fuzz crate), written once. Not for scoring anything real.

/// The 41 features of a SYN-flood connection: `private` service, `S0` flag, 123 connections to
/// the host, every one half-open.
macro_rules! flood_features {
    () => {
        "0,tcp,private,S0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,123,6,1.0,1.0,0.0,0.0,0.05,0.07,0.0,\
         255,26,0.1,0.05,0.0,0.0,1.0,1.0,0.0,0.0"
    };
}

/// The 41 features of an ordinary HTTP connection.
macro_rules! normal_features {
    () => {
        "0,tcp,http,SF,181,5450,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,8,8,0,0,0,0,1,0,0,9,9,1,0,0.11,0,0,\
         0,0,0"
    };
}

/// The standard snake_case names of the 41 features, comma-separated.
macro_rules! feature_names {
    () => {
        "duration,protocol_type,service,flag,src_bytes,dst_bytes,land,wrong_fragment,urgent,hot,\
         num_failed_logins,logged_in,num_compromised,root_shell,su_attempted,num_root,\
         num_file_creations,num_shells,num_access_files,num_outbound_cmds,is_host_login,\
         is_guest_login,count,srv_count,serror_rate,srv_serror_rate,rerror_rate,srv_rerror_rate,\
         same_srv_rate,diff_srv_rate,srv_diff_host_rate,dst_host_count,dst_host_srv_count,\
         dst_host_same_srv_rate,dst_host_diff_srv_rate,dst_host_same_src_port_rate,\
         dst_host_srv_diff_host_rate,dst_host_serror_rate,dst_host_srv_serror_rate,\
         dst_host_rerror_rate,dst_host_srv_rerror_rate"
    };
}

/// The 41 standard feature names, comma-separated.
pub const FEATURE_HEADER: &str = feature_names!();
/// [`FEATURE_HEADER`] and a `label` column.
pub const LABELLED_HEADER: &str = concat!(feature_names!(), ",label");
/// A SYN flood's 41 features.
pub const FLOOD_FEATURES: &str = flood_features!();
/// A SYN flood's features, labelled `neptune`.
pub const FLOOD_ROW: &str = concat!(flood_features!(), ",neptune");
/// An ordinary connection's 41 features.
pub const NORMAL_FEATURES: &str = normal_features!();
/// An ordinary connection's features, labelled `normal`.
pub const NORMAL_ROW: &str = concat!(normal_features!(), ",normal");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::FEATURES;

    #[test]
    fn the_fixtures_have_their_columns() {
        let names: Vec<&str> = FEATURES.iter().map(|f| f.name).collect();
        assert_eq!(FEATURE_HEADER, names.join(","));
        for row in [FLOOD_FEATURES, NORMAL_FEATURES] {
            assert_eq!(row.split(',').count(), FEATURES.len());
        }
        for row in [FLOOD_ROW, NORMAL_ROW, LABELLED_HEADER] {
            assert_eq!(row.split(',').count(), FEATURES.len() + 1);
        }
    }
}
