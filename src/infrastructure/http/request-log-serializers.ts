/**
 * What a request's log line says of it: the method and URL (no headers: they carry tokens), and the answer's status
 * (its headers are the same on every answer, and an answer written in one list by `writeAnswerHead` keeps none).
 */
export const requestLogSerializers = {
  req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url }),
  res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
};
