"""Frame a message for the websocket fan-out (4% of requests)."""
import websocket


def handle(event):
    frame = websocket.ABNF.create_frame(event["message"], websocket.ABNF.OPCODE_TEXT)
    return {"frame_bytes": len(frame.format()), "opcode": frame.opcode}
