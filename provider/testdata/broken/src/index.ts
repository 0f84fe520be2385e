export default {
  async fetch(request: Request): Promise<Response> {
    const x = ;
    return new Response("never");
  },
};
