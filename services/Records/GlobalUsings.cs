global using HybridEhr.Grpc;
