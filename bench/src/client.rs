//! Just enough HTTP/1.1 and WebSocket (RFC 6455, client side) to drive a GraphQL server:
//! keep-alive POSTs with a `Content-Length` body, and `graphql-transport-ws` subscriptions.
//! Hand-written so that ten thousand subscribers cost a small task and a 2 KiB buffer each,
//! on a multi-threaded runtime, and receipt is timestamped before anything is parsed.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpSocket, TcpStream};

/// How long a connection handshake or `connection_ack` may take before it counts as failed.
const HANDSHAKE: Duration = Duration::from_secs(30);

fn bad(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

/// A TCP connection from `from` (any port), so that more than one loopback source address can
/// carry connections when one address runs out of ephemeral ports.
async fn dial(to: SocketAddr, from: Option<IpAddr>) -> io::Result<TcpStream> {
    let socket = if to.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    if let Some(ip) = from {
        // A port still in TIME_WAIT from an earlier connection may be taken again.
        socket.set_reuseaddr(true)?;
        socket.bind(SocketAddr::new(ip, 0))?;
    }
    let stream = socket.connect(to).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// Reads an HTTP response head; returns the status and the `Content-Length`, if any.
async fn read_head(reader: &mut BufReader<TcpStream>) -> io::Result<(u16, Option<usize>)> {
    let mut line = String::new();
    reader.read_line(&mut line).await?;
    let status = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| bad(line.clone()))?;
    let mut length = None;
    loop {
        line.clear();
        if reader.read_line(&mut line).await? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let header = line.trim_end();
        if header.is_empty() {
            return Ok((status, length));
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok();
        }
    }
}

/// One keep-alive HTTP/1.1 connection.
pub struct Http {
    reader: BufReader<TcpStream>,
    host: String,
}

impl Http {
    pub async fn connect(to: SocketAddr) -> io::Result<Self> {
        Ok(Self { reader: BufReader::new(dial(to, None).await?), host: to.to_string() })
    }

    /// Sends a request; `body` is JSON. Returns the status and the body.
    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&[u8]>,
    ) -> io::Result<(u16, Vec<u8>)> {
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.host);
        if let Some(t) = token {
            head.push_str(&format!("Authorization: Bearer {t}\r\n"));
        }
        if let Some(b) = body {
            head.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", b.len()));
        }
        head.push_str("\r\n");
        let mut out = head.into_bytes();
        out.extend_from_slice(body.unwrap_or_default());
        self.reader.get_mut().write_all(&out).await?;
        let (status, length) = read_head(&mut self.reader).await?;
        let mut body = vec![0; length.ok_or_else(|| bad("a response without Content-Length"))?];
        self.reader.read_exact(&mut body).await?;
        Ok((status, body))
    }

    /// A GraphQL POST; the JSON answer, which must carry no errors.
    pub async fn graphql(&mut self, token: Option<&str>, query: &str, variables: Value) -> io::Result<Value> {
        let body = json!({ "query": query, "variables": variables }).to_string();
        let (status, bytes) = self.request("POST", "/graphql", token, Some(body.as_bytes())).await?;
        let answer: Value = serde_json::from_slice(&bytes)
            .map_err(|e| bad(format!("{status} {}: {e}", String::from_utf8_lossy(&bytes))))?;
        if status != 200 || answer.get("errors").is_some() {
            return Err(bad(format!("{status}: {answer}")));
        }
        Ok(answer)
    }
}

/// A frame as read: its opcode and payload.
struct Frame {
    fin: bool,
    opcode: u8,
    payload: Vec<u8>,
}

/// What a subscriber's connection yields.
pub enum Incoming {
    /// A text message (a `next`, `error` or `complete`).
    Text(Vec<u8>),
    /// The server closed the connection.
    Closed,
}

/// One WebSocket speaking `graphql-transport-ws`.
pub struct Ws {
    reader: BufReader<TcpStream>,
    mask: u32,
}

impl Ws {
    /// Opens `/graphql/ws`, sends `connection_init` with the token and waits for the ack.
    pub async fn connect(to: SocketAddr, from: Option<IpAddr>, token: &str) -> io::Result<Self> {
        tokio::time::timeout(HANDSHAKE, Self::handshake(to, from, token))
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "no connection_ack in time"))?
    }

    async fn handshake(to: SocketAddr, from: Option<IpAddr>, token: &str) -> io::Result<Self> {
        let mut reader = BufReader::with_capacity(2048, dial(to, from).await?);
        // The key only has to be well-formed: the bench does not check the server's answer to it.
        let request = format!(
            "GET /graphql/ws HTTP/1.1\r\nHost: {to}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: Y2FzZWJyaWRnZS1iZW5jaA==\r\nSec-WebSocket-Version: 13\r\n\
             Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n"
        );
        reader.get_mut().write_all(request.as_bytes()).await?;
        let (status, _) = read_head(&mut reader).await?;
        if status != 101 {
            return Err(bad(format!("the upgrade was answered with {status}")));
        }
        let mut ws = Self { reader, mask: u32::from(to.port()) };
        let init = json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {token}")}});
        ws.send_text(init.to_string().as_bytes()).await?;
        match ws.next().await? {
            Incoming::Text(t) if serde_json::from_slice::<Value>(&t).is_ok_and(|v| v["type"] == "connection_ack") => {
                Ok(ws)
            }
            Incoming::Text(t) => Err(bad(format!("refused: {}", String::from_utf8_lossy(&t)))),
            Incoming::Closed => Err(bad("closed before connection_ack")),
        }
    }

    /// Starts subscription `id` with `query`.
    pub async fn subscribe(&mut self, id: &str, query: &str) -> io::Result<()> {
        let msg = json!({"id": id, "type": "subscribe", "payload": {"query": query}});
        self.send_text(msg.to_string().as_bytes()).await
    }

    async fn send_text(&mut self, payload: &[u8]) -> io::Result<()> {
        self.send_frame(0x1, payload).await
    }

    /// Client frames must be masked (RFC 6455 5.3); the key need not be secret here.
    async fn send_frame(&mut self, opcode: u8, payload: &[u8]) -> io::Result<()> {
        self.mask = self.mask.wrapping_mul(0x9E37_79B9).wrapping_add(0x7F4A_7C15);
        let key = self.mask.to_be_bytes();
        let mut out = Vec::with_capacity(payload.len() + 14);
        out.push(0x80 | opcode);
        match payload.len() {
            n if n < 126 => out.push(0x80 | n as u8),
            n if n <= usize::from(u16::MAX) => {
                out.push(0x80 | 126);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                out.push(0x80 | 127);
                out.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        out.extend_from_slice(&key);
        out.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
        self.reader.get_mut().write_all(&out).await
    }

    async fn read_frame(&mut self) -> io::Result<Frame> {
        let mut head = [0u8; 2];
        self.reader.read_exact(&mut head).await?;
        let fin = head[0] & 0x80 != 0;
        let opcode = head[0] & 0x0F;
        let masked = head[1] & 0x80 != 0;
        let len = match head[1] & 0x7F {
            126 => usize::from(self.reader.read_u16().await?),
            127 => usize::try_from(self.reader.read_u64().await?).map_err(|_| bad("frame too large"))?,
            n => usize::from(n),
        };
        let mut key = [0u8; 4];
        if masked {
            self.reader.read_exact(&mut key).await?;
        }
        let mut payload = vec![0; len];
        self.reader.read_exact(&mut payload).await?;
        if masked {
            payload.iter_mut().enumerate().for_each(|(i, b)| *b ^= key[i % 4]);
        }
        Ok(Frame { fin, opcode, payload })
    }

    /// The next message; answers pings (the server drops a connection that does not).
    pub async fn next(&mut self) -> io::Result<Incoming> {
        let mut message: Option<Vec<u8>> = None;
        loop {
            let frame = match self.read_frame().await {
                Ok(f) => f,
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(Incoming::Closed),
                Err(e) => return Err(e),
            };
            match frame.opcode {
                0x9 => {
                    self.send_frame(0xA, &frame.payload).await?;
                    continue;
                }
                0x8 => return Ok(Incoming::Closed),
                0x1 | 0x2 => message = Some(frame.payload),
                // The continuation of a fragmented message.
                0x0 => message.get_or_insert_with(Vec::new).extend_from_slice(&frame.payload),
                _ => continue,
            }
            if frame.fin
                && let Some(m) = message.take()
            {
                return Ok(Incoming::Text(m));
            }
        }
    }
}
