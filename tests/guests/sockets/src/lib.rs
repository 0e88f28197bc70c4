//! Hostile: opens a TCP socket, which pulls `wasi:sockets` into its imports.
use common::*;

struct Sockets;

impl common::Guest for Sockets {
    fn describe() -> PluginInfo {
        info("sockets")
    }

    fn reconcile(_ctx: Context) -> Result<Action, ReconcileError> {
        match std::net::TcpStream::connect("127.0.0.1:9200") {
            Ok(_) => ok("connected"),
            Err(e) => Err(ReconcileError::Transient(e.to_string())),
        }
    }
}

common::export!(Sockets with_types_in common::bindings);
