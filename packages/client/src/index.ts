// The typed tRPC client shared by the ops CLI and downstream apps lands here with the server's
// router (issue "Typed client and ops CLI…"). It imports the server's types only.
export {};
