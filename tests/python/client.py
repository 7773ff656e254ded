#!/usr/bin/env python3
"""A nianbao client written in Python, generated from proto/ with grpcio-tools.

It proves that the v1 contract serves offices that bring their own client:
submit a report, read it back, check health, and list the services by reflection.

Usage: client.py SERVER_ADDR TOKEN OFFICE_CODE REPORT_JSON
(SERVER_ADDR like 127.0.0.1:50051). Prints one JSON line with what it saw; exits non-zero on any failure.
"""
import json
import os
import sys
import tempfile

from grpc_tools import protoc

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def generate(out_dir):
    """Generates the Python modules for every .proto file of the contract."""
    proto_root = os.path.join(ROOT, "proto")
    files = []
    for base, _, names in os.walk(proto_root):
        files += [os.path.relpath(os.path.join(base, n), proto_root) for n in names if n.endswith(".proto")]
    include = os.path.join(os.path.dirname(protoc.__file__), "_proto")
    args = ["protoc", f"-I{proto_root}", f"-I{include}", f"--python_out={out_dir}", f"--grpc_python_out={out_dir}"] + files
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    sys.path.insert(0, out_dir)


def main():
    addr, token, office, report_path = sys.argv[1:5]
    with tempfile.TemporaryDirectory() as gen:
        generate(gen)
        import grpc
        from grpc_health.v1 import health_pb2, health_pb2_grpc
        from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
        from nianbao.report.v1 import report_pb2
        from nianbao.storage.v1 import storage_service_pb2 as st
        from nianbao.storage.v1 import storage_service_pb2_grpc as st_grpc

        doc = json.load(open(report_path, encoding="utf-8"))
        report = report_pb2.Report(
            office=report_pb2.Office(code=office, name=doc["office"]["name"]),
            year=doc["year"],
            edition=report_pb2.EDITION_2021 if doc["edition"] == "2021" else report_pb2.EDITION_2019,
            sections=doc.get("sections", {}),
        )
        for key, value in doc["cells"].items():
            if value is None:
                continue
            cell = report.cells.add(key=key)
            if isinstance(value, int):
                cell.count = value
            else:
                cell.money = str(value)

        channel = grpc.insecure_channel(addr)
        meta = [("authorization", f"Bearer {token}")]
        stub = st_grpc.StorageServiceStub(channel)
        submitted = stub.SubmitReport(st.SubmitReportRequest(report=report, request_id="python-client-1", client="python-client"), metadata=meta)
        got = stub.GetReport(st.GetReportRequest(office_code=office, year=doc["year"]), metadata=meta)
        cells = {c.key: (c.count if c.WhichOneof("value") == "count" else c.money) for c in got.report.cells}

        health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""))
        services = []
        try:
            refl = reflection_pb2_grpc.ServerReflectionStub(channel)
            for resp in refl.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")])):
                services = [s.name for s in resp.list_services_response.service]
        except grpc.RpcError:
            from grpc_reflection.v1 import reflection_pb2 as r1, reflection_pb2_grpc as r1g
            refl = r1g.ServerReflectionStub(channel)
            for resp in refl.ServerReflectionInfo(iter([r1.ServerReflectionRequest(list_services="")])):
                services = [s.name for s in resp.list_services_response.service]

        print(json.dumps({
            "revision": submitted.revision.number,
            "checksum": submitted.revision.checksum,
            "cells_back": len(cells),
            "cells_equal": cells == {k: v for k, v in doc["cells"].items() if v is not None},
            "health": health_pb2.HealthCheckResponse.ServingStatus.Name(health.status),
            "services": sorted(services),
        }, ensure_ascii=False))


if __name__ == "__main__":
    main()
