"""Fan a message out to subscribers with asyncio."""
import asyncio


def handle(event):
    async def deliver(n):
        await asyncio.sleep(0)
        return n

    async def fan_out():
        return await asyncio.gather(*(deliver(i) for i in range(event.get("subscribers", 3))))

    return {"delivered": len(asyncio.run(fan_out()))}
