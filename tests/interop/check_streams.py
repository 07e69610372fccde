#!/usr/bin/python3
"""Calls the real Permissions and ImageNft services as an outside grpcio (C-core) client, with a user's token:
a gzip-compressed unary call, an oversize request, a server stream (WatchNotifications) ended by its deadline and
one cancelled by the client, and client-streaming uploads (UploadImage): one accepted, one refused as too large.
Prints one JSON object of what each call got; the C# test asserts.

Usage: check_streams.py --permissions HOST:PORT --images HOST:PORT --descriptor-set PATH --token DOCTOR_TOKEN --patient-token TOKEN
                        --patient ACCOUNT --record RECORD_ID --image PNG_PATH --too-large BYTES
"""

import argparse
import json
import threading

import grpc
from descriptors import message_types


def outcome(call):
    try:
        result = call()
        return {"code": "OK", "details": "", "result": result}
    except grpc.RpcError as error:
        return {"code": error.code().name, "details": error.details() or ""}


def main():
    parser = argparse.ArgumentParser()
    for name in ["permissions", "images", "descriptor-set", "token", "patient-token", "patient", "record", "image"]:
        parser.add_argument("--" + name, required=True)
    parser.add_argument("--too-large", type=int, required=True)
    args = parser.parse_args()
    message = message_types(args.descriptor_set)
    auth = [("authorization", "Bearer " + args.token)]  # the doctor's: uploads
    patient_auth = [("authorization", "Bearer " + args.patient_token)]  # the patient's: their requests and notifications
    permissions = grpc.insecure_channel(args.permissions, options=[("grpc.max_send_message_length", 16 * 1024 * 1024)])
    images = grpc.insecure_channel(args.images)

    def unary(channel, path, request_type, response_type):
        return channel.unary_unary(path, request_serializer=lambda m: m.SerializeToString(),
                                   response_deserializer=message(response_type).FromString)

    pending = unary(permissions, "/hybridehr.permissions.v1.Permissions/ListPendingRequests",
                    "hybridehr.permissions.v1.ListPendingRequestsRequest", "hybridehr.permissions.v1.ListPendingRequestsResponse")
    request = message("hybridehr.permissions.v1.ListPendingRequestsRequest")
    report = {
        "gzip": outcome(lambda: len(pending(request(), metadata=patient_auth, timeout=30, compression=grpc.Compression.Gzip).requests)),
        # Over Kestrel's default 4 MiB limit on received messages.
        "oversize": outcome(lambda: pending(request(page_token="x" * (5 * 1024 * 1024)), metadata=patient_auth, timeout=30) and 0),
    }

    watch = permissions.unary_stream("/hybridehr.permissions.v1.Permissions/WatchNotifications",
                                     request_serializer=lambda m: m.SerializeToString(),
                                     response_deserializer=message("hybridehr.permissions.v1.WatchNotificationsResponse").FromString)
    watch_request = message("hybridehr.permissions.v1.WatchNotificationsRequest")()
    report["watch_deadline"] = outcome(lambda: len(list(watch(watch_request, metadata=patient_auth, timeout=1.5))))

    def cancelled_watch():
        stream = watch(watch_request, metadata=patient_auth, timeout=30)
        threading.Timer(1.0, stream.cancel).start()
        return len(list(stream))
    report["watch_cancelled"] = outcome(cancelled_watch)

    upload = images.stream_unary("/hybridehr.imagenft.v1.ImageNft/UploadImage",
                                 request_serializer=lambda m: m.SerializeToString(),
                                 response_deserializer=message("hybridehr.imagenft.v1.UploadImageResponse").FromString)
    upload_request = message("hybridehr.imagenft.v1.UploadImageRequest")
    metadata_type = message("hybridehr.imagenft.v1.ImageUploadMetadata")
    with open(args.image, "rb") as f:
        image = f.read()

    def messages(declared, data):
        yield upload_request(metadata=metadata_type(patient_account_id=args.patient, record_id=args.record, content_type="image/png",
                                                    file_name="scan.png", declared_size_bytes=declared))
        for offset in range(0, len(data), 64 * 1024):
            yield upload_request(chunk=data[offset:offset + 64 * 1024])

    report["upload"] = outcome(lambda: upload(messages(len(image), image), metadata=auth, timeout=60).token_id)
    report["upload_too_large"] = outcome(lambda: upload(messages(args.too_large, image), metadata=auth, timeout=60).token_id)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
